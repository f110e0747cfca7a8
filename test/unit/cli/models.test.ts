import { describe, expect, it } from 'vitest';
import { runCli } from '../../../cli/program';
import { toModelList, toModelResource } from '../../../shared/catalogue/resource';
import { catalogueWith } from '../fakes/fakes';
import { fakeFetch, jsonResponse, memoryStream, type RecordedRequest } from './support';

/** The default catalogue and a model a deployment added that takes no image and cannot be remixed or edited. */
const catalogue = catalogueWith({
  'kite-fast': {
    seconds: ['4', '8'],
    sizes: ['1280x720'],
    default_seconds: '8',
    default_size: '1280x720',
    capabilities: { image_input: false, remix: false, edit: false, extend: true },
    price: { currency: 'USD', micros_per_second: { '1280x720': 250_000 } },
  },
});

async function run(argv: string[], routes: Record<string, (request: RecordedRequest) => Response>) {
  const stdout = memoryStream();
  const stderr = memoryStream();
  const api = fakeFetch(routes);
  const code = await runCli(argv, { stdout, stderr, env: { REELFLOW_TOKEN: 't' }, fetch: api.fetch });
  return { code, stdout: stdout.text(), stderr: stderr.text(), requests: api.requests };
}

describe('cli models', () => {
  it('prints every model of GET /v1/models: seconds and sizes with their defaults, price per second, providers', async () => {
    // Act
    const result = await run(['models'], { 'GET /v1/models': () => jsonResponse(200, toModelList(catalogue)) });

    // Assess
    expect(result.code).toBe(0);
    expect(result.requests.map((request) => request.url)).toEqual(['http://localhost:3000/v1/models']);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^MODEL +SECONDS +SIZES +PRICE +ALSO +PROVIDERS$/);
    expect(lines[1]).toMatch(
      /^sora-2\* +4\*, 8, 12 +720x1280\*, 1280x720 +720x1280 \$0\.10\/s, 1280x720 \$0\.10\/s +image, remix, edit, extend +openai$/,
    );
    expect(lines[2]).toMatch(/^sora-2-pro +.* 1024x1792 \$0\.50\/s/);
    expect(lines[3]).toMatch(/^kite-fast +4, 8\* +1280x720\* +1280x720 \$0\.25\/s +extend +openai$/);
    expect(lines.at(-1)).toBe('* the default when a create names none');
  });

  it('prints one model, or its JSON with --json', async () => {
    // Prepare
    const kite = toModelResource(catalogue.models[2]!);
    const routes = { 'GET /v1/models/kite-fast': () => jsonResponse(200, kite) };

    // Act
    const text = await run(['models', 'kite-fast'], routes);
    const json = await run(['models', 'kite-fast', '--json'], routes);

    // Assess
    expect(text.stdout).toMatch(/^id +kite-fast\nseconds +4, 8\*\nsizes +1280x720\*\nprice +1280x720 \$0\.25\/s\n/);
    expect(JSON.parse(json.stdout)).toEqual(kite);
  });

  it("prints the API's 404 in one line for a model the catalogue does not have", async () => {
    // Act
    const result = await run(['models', 'sora-9'], {
      'GET /v1/models/sora-9': () =>
        jsonResponse(404, {
          error: { code: 'not_found', message: "The model 'sora-9' does not exist", request_id: 'r-9' },
        }),
    });

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("error: not_found: The model 'sora-9' does not exist (request r-9)\n");
  });
});
