import { describe, expect, it } from 'vitest';
import { type Body, setBracketKey } from '../../../local/provider-emulator/request-body';

describe('provider emulator request body', () => {
  it('returns nested objects and arrays when multipart fields use bracket keys', () => {
    const body: Body = {};

    setBracketKey(body, 'prompt', 'a cat');
    setBracketKey(body, 'video[id]', 'video_1');
    setBracketKey(body, 'characters[][id]', 'char_1');
    setBracketKey(body, 'input_reference[image_url]', 'data:image/png;base64,AA==');

    expect(body).toEqual({
      prompt: 'a cat',
      video: { id: 'video_1' },
      characters: [{ id: 'char_1' }],
      input_reference: { image_url: 'data:image/png;base64,AA==' },
    });
  });
});
