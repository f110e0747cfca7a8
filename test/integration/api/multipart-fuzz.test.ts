import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_INLINE_FILE_BYTES } from '../../../shared/http/limits';
import { useLocalStack } from '../../helpers/local-stack';
import { seededRandom, seedFrom } from '../../helpers/random';
import { ContractClient } from './contract';
import { uniqueUser } from './support';

// Malformed multipart/form-data on every route that takes a form, through HTTP against the local stack. Every
// function and stand-in of the local stack runs in one Node process: a body that crashed its parser would end the
// whole stack, so "still alive" is checked after every body, and nothing may have been created.
const stack = useLocalStack();
let api: ContractClient;
let token: string;
let userId: string;

const BOUNDARY = 'X';
const CRLF = '\r\n';

/** A part's headers and body, framed by the boundary; `close` adds the closing delimiter. */
function part(headers: string[], body: string | Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}${CRLF}${headers.join(CRLF)}${CRLF}${CRLF}`),
    Buffer.from(body),
    Buffer.from(CRLF),
  ]);
}
const close = Buffer.from(`--${BOUNDARY}--${CRLF}`);
const field = (name: string, value: string) => part([`content-disposition: form-data; name="${name}"`], value);
const file = (name: string, body: string | Buffer, type = 'image/png') =>
  part([`content-disposition: form-data; name="${name}"; filename="x.png"`, `content-type: ${type}`], body);

/** Hand-written bodies, each malformed in one way; none is a valid request for any form route. */
const CASES: Array<[label: string, body: Buffer, contentType?: string]> = [
  // The review's body: a file part, then the end of the body without a closing delimiter.
  ['truncated after a file part', file('input_reference', 'abc')],
  ['truncated inside a file part', file('input_reference', 'abc').subarray(0, 90)],
  ['truncated after a field', field('seconds', '4')],
  ['truncated inside the part headers', Buffer.from(`--${BOUNDARY}${CRLF}content-disposition: form-da`)],
  ['only the opening delimiter', Buffer.from(`--${BOUNDARY}`)],
  ['empty body', Buffer.alloc(0)],
  ['no boundary parameter', Buffer.concat([field('prompt', 'x'), close]), 'multipart/form-data'],
  ['another boundary than the body', Buffer.concat([field('prompt', 'x'), close]), 'multipart/form-data; boundary=Y'],
  ['a part without content-disposition', Buffer.concat([part(['content-type: text/plain'], 'x'), close])],
  ['a garbage header line', Buffer.concat([part(['this is not a header'], 'x'), close])],
  ['duplicate fields', Buffer.concat([field('seconds', '4'), field('seconds', '8'), close])],
  ['duplicate files', Buffer.concat([file('input_reference', 'a'), file('input_reference', 'b'), close])],
  [
    'a field and a file of one name',
    Buffer.concat([field('input_reference', 'a'), file('input_reference', 'b'), close]),
  ],
  ['deeply nested brackets', Buffer.concat([field(`metadata${'[a]'.repeat(200)}`, 'x'), close])],
  ['a prototype key', Buffer.concat([field('metadata[__proto__][x]', 'y'), close])],
  ['conflicting nesting', Buffer.concat([field('metadata[a]', 'x'), field('metadata[a][b]', 'y'), close])],
  ['an unbalanced bracket', Buffer.concat([field('metadata[a', 'x'), close])],
  ['too many parts', Buffer.concat([...Array.from({ length: 120 }, (_, index) => field(`f${index}`, 'x')), close])],
  ['a field over the body limit', Buffer.concat([field('prompt', 'p'.repeat(70 * 1024)), close])],
  [
    'a file over the inline limit',
    Buffer.concat([file('input_reference', Buffer.alloc(MAX_INLINE_FILE_BYTES + 1)), close]),
  ],
  ['an oversized file, truncated', file('input_reference', Buffer.alloc(MAX_INLINE_FILE_BYTES + 1))],
  ['a file that is not an image', Buffer.concat([file('input_reference', 'not a png'), close])],
  [
    'a nested file part',
    Buffer.concat([
      part(
        ['content-disposition: form-data; name="x"', `content-type: multipart/mixed; boundary=Z`],
        `--Z${CRLF}content-disposition: file; filename="a"${CRLF}${CRLF}abc`,
      ),
      close,
    ]),
  ],
];

/** Random mutations of a valid create form: cuts, flipped bytes and repeated slices, from a printed seed. */
function mutatedBodies(seed: number, count: number): Array<[string, Buffer]> {
  const random = seededRandom(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const valid = Buffer.concat([
    field('prompt', 'A fuzzed prompt'),
    field('seconds', '4'),
    file('input_reference', 'abc'),
    close,
  ]);
  // Cut before the closing delimiter: a body that ends there can never be a valid form.
  const cut = (bytes: Buffer) => bytes.subarray(0, Math.min(bytes.length, valid.length - close.length - 1));
  return Array.from({ length: count }, (_, index): [string, Buffer] => {
    const bytes = Buffer.from(valid);
    const mutation = pick(3);
    if (mutation === 0) return [`#${index} cut at a random byte`, cut(bytes.subarray(0, pick(bytes.length)))];
    if (mutation === 1) {
      for (let flips = 1 + pick(4); flips > 0; flips -= 1) bytes[pick(bytes.length)] = pick(256);
      // Whole bodies with bad bytes; a NUL in the prompt part's `name` keeps any of them from being a valid create.
      bytes[40] = 0;
      return [`#${index} flipped bytes`, bytes];
    }
    const start = pick(bytes.length);
    const slice = bytes.subarray(start, start + pick(60));
    return [
      `#${index} a repeated slice`,
      cut(Buffer.concat([bytes.subarray(0, start), slice, slice, bytes.subarray(start)])),
    ];
  });
}

/** Every route that takes multipart/form-data; the ids need not exist: the body is read before anything is looked up. */
const FORM_ROUTES = [
  '/v1/videos',
  '/v1/videos/video_fuzz0000000000000000000000/remix',
  '/v1/videos/edits',
  '/v1/videos/extensions',
];

beforeAll(async () => {
  api = await ContractClient.connect(stack);
  userId = uniqueUser('multipart-fuzz');
  token = await stack.token(userId);
});

describe('multipart/form-data parsing under malformed bodies', () => {
  it('answers every malformed body on every form route with a 4xx envelope, stays alive, and creates nothing', async () => {
    const seed = seedFrom(process.env.MULTIPART_FUZZ_SEED);
    console.log(`multipart fuzz seed ${seed} (MULTIPART_FUZZ_SEED=${seed} replays it)`);
    const bodies = [...CASES, ...mutatedBodies(seed, 40)];
    for (const path of FORM_ROUTES) {
      for (const [label, body, contentType] of bodies) {
        const what = `${path}, ${label}`;
        const reply = await api.call('POST', path, {
          token,
          body,
          headers: { 'content-type': contentType ?? `multipart/form-data; boundary=${BOUNDARY}` },
        });

        expect(reply.status, what).toBeGreaterThanOrEqual(400);
        expect(reply.status, what).toBeLessThan(500);
        expect(reply.body.error, what).toMatchObject({ type: 'invalid_request_error', code: expect.any(String) });
      }
      const health = await fetch(`${stack.baseUrl}/v1/health`);
      expect(health.status, `the stack after ${path}'s bodies`).toBe(200);
    }
    const videos = await api.call('GET', '/v1/videos', { token });
    expect(videos.status).toBe(200);
    expect(videos.body.data).toEqual([]);
  });

  it("answers the review's truncated body with 400 invalid_parameter naming the form", async () => {
    const reply = await api.call('POST', '/v1/videos', {
      token,
      body: CASES[0]![1],
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    });

    expect(reply.status).toBe(400);
    expect(reply.body.error.message).toMatch(/not valid multipart\/form-data/);
  });
});
