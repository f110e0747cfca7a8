import { describe, expect, it } from 'vitest';
import { DEFAULT_CATALOGUE } from '../../../shared/catalogue/default-catalogue';
import { ValidationError } from '../../../shared/errors';
import { parseRequest } from '../../../shared/http/parse-request';
import { contentQuerySchema, createVideoBodySchema, listVideosQuerySchema } from '../../../shared/video/schemas';
import { catalogueWith } from '../fakes/fakes';

const body = createVideoBodySchema({ catalogue: DEFAULT_CATALOGUE });

function validationErrorOf(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('schemas', () => {
  it('returns the defaults and a trimmed prompt when only a prompt is given', () => {
    // Act
    const parsed = parseRequest(body, { prompt: '  A cat playing piano  ' });

    // Assess
    expect(parsed).toEqual({ prompt: 'A cat playing piano', model: 'sora-2', seconds: '4', size: '720x1280' });
  });

  it('rejects an unknown field naming it in param', () => {
    // Act
    const error = validationErrorOf(() => parseRequest(body, { prompt: 'x', colour: 'red' }));

    // Assess
    expect(error).toMatchObject({ status: 400, code: 'invalid_parameter', param: 'colour' });
  });

  it('rejects a missing prompt as missing_parameter naming prompt', () => {
    // Act
    const error = validationErrorOf(() => parseRequest(body, { seconds: '8' }));

    // Assess
    expect(error).toMatchObject({ status: 400, code: 'missing_parameter', param: 'prompt' });
  });

  it.each([
    [{ prompt: '   ' }, 'prompt'],
    [{ prompt: 'x'.repeat(4001) }, 'prompt'],
    [{ prompt: 'x', seconds: '5' }, 'seconds'],
    [{ prompt: 'x', seconds: 4 }, 'seconds'],
    [{ prompt: 'x', model: 'sora-3' }, 'model'],
    [{ prompt: 'x', size: '640x480' }, 'size'],
    [{ prompt: 'x', size: '1024x1792' }, 'size'],
    [{ prompt: 'x', metadata: { k: 1 } }, 'metadata.k'],
    [{ prompt: 'x', metadata: { k: 'v'.repeat(513) } }, 'metadata.k'],
    [{ prompt: 'x', metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata'],
  ])('rejects %j as invalid_parameter naming %s', (input, param) => {
    // Act
    const error = validationErrorOf(() => parseRequest(body, input));

    // Assess
    expect(error).toMatchObject({ code: 'invalid_parameter', param });
  });

  it('returns seconds-specific wording when seconds is not allowed', () => {
    // Act
    const error = validationErrorOf(() => parseRequest(body, { prompt: 'x', seconds: '5' }));

    // Assess
    expect(error.message).toBe('seconds must be one of 4, 8, 12');
  });

  it('accepts the larger sizes with sora-2-pro and 4000 characters of prompt', () => {
    // Act
    const parsed = parseRequest(body, {
      prompt: 'x'.repeat(4000),
      model: 'sora-2-pro',
      size: '1792x1024',
      seconds: '12',
    });

    // Assess
    expect(parsed).toMatchObject({ model: 'sora-2-pro', size: '1792x1024', seconds: '12' });
  });

  it('rejects a model the deployment does not allow', () => {
    // Prepare
    const onlyBase = createVideoBodySchema({ catalogue: catalogueWith({ 'sora-2-pro': null }) });

    // Act
    const error = validationErrorOf(() => parseRequest(onlyBase, { prompt: 'x', model: 'sora-2-pro' }));

    // Assess
    expect(error).toMatchObject({ param: 'model', message: 'model must be one of sora-2' });
  });

  it("returns the model's own defaults, and refuses an input_reference for a model that takes no image", () => {
    // Prepare
    const kites = createVideoBodySchema({
      catalogue: catalogueWith({
        'kite-fast': {
          seconds: ['4', '8'],
          sizes: ['1280x720'],
          default_seconds: '8',
          default_size: '1280x720',
          capabilities: { image_input: false, remix: true, edit: true, extend: true },
          price: { currency: 'USD', micros_per_second: { '1280x720': 1 } },
        },
      }),
    });

    // Act
    const parsed = parseRequest(kites, { prompt: 'x', model: 'kite-fast' });
    const error = validationErrorOf(() =>
      parseRequest(kites, { prompt: 'x', model: 'kite-fast', input_reference: { file_id: 'file_1' } }),
    );

    // Assess
    expect(parsed).toEqual({ prompt: 'x', model: 'kite-fast', seconds: '8', size: '1280x720' });
    expect(error).toMatchObject({
      param: 'input_reference',
      message: 'model kite-fast does not take input_reference (an image as the first frame)',
    });
  });

  it('returns limit 20 by default and coerces the query string', () => {
    // Act
    const defaults = parseRequest(listVideosQuerySchema(), {});
    const given = parseRequest(listVideosQuerySchema(), { limit: '100', status: 'completed', after: 'abc' });

    // Assess
    expect(defaults).toEqual({ limit: 20 });
    expect(given).toEqual({ limit: 100, status: 'completed', after: 'abc' });
  });

  it.each([['0'], ['101'], ['1.5'], ['many']])('rejects limit %s naming limit', (limit) => {
    // Act
    const error = validationErrorOf(() => parseRequest(listVideosQuerySchema(), { limit }));

    // Assess
    expect(error).toMatchObject({ param: 'limit', code: 'invalid_parameter' });
  });

  it('returns variant video by default and rejects an unknown variant', () => {
    // Act
    const parsed = parseRequest(contentQuerySchema(), {});
    const error = validationErrorOf(() => parseRequest(contentQuerySchema(), { variant: 'poster' }));

    // Assess
    expect(parsed).toEqual({ variant: 'video' });
    expect(error).toMatchObject({ param: 'variant' });
  });
});
