import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import type { LocalStackClient } from '../../helpers/local-stack';
import { openAiVideoValidator } from './openai-video-schema';

/*
 * The black-box suite's one way to call the API: every reply is checked against the OpenAPI document the stack
 * serves (GET /v1/openapi.json): its status must be documented for the operation (or fall under `default`), a JSON
 * body must match the documented schema (Ajv, JSON Schema 2020-12, as OpenAPI 3.1 schemas are), every reply
 * carries `x-request-id`, and an error envelope repeats it. A reply that breaks the contract fails the test.
 */

const DOCUMENT_ID = 'https://reelflow.local/openapi.json';

/** A reply, its JSON body parsed (null when empty). */
export interface ContractReply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary JSON
  body: any;
  /** Which documented response the reply was checked against, e.g. `POST /v1/videos 202`. */
  checkedAs: string;
}

export interface CallOptions extends Omit<RequestInit, 'body'> {
  token?: string;
  /** Sent as JSON with `content-type: application/json`. */
  json?: unknown;
  /** Sent as is (for malformed bodies and other content types). */
  body?: string | Buffer;
}

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

/** A client of the local stack's API that checks every reply against the served OpenAPI document. */
export class ContractClient {
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();
  /** OpenAI's `VideoResource` (the reference copy of its API): every video in one of its statuses must pass it. */
  private openAiVideo: ValidateFunction | undefined;
  /** Every reply checked so far (method, path, status), for the coverage assertions. */
  readonly seen: Array<{ method: string; template: string; status: number; code: string | null }> = [];

  private constructor(
    private readonly stack: Pick<LocalStackClient, 'baseUrl'>,
    readonly document: OpenApiDocument,
  ) {
    this.ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: DOCUMENT_ID, components: document.components });
  }

  /** Fetches the document the stack serves (no token) and builds a client on it. */
  static async connect(stack: Pick<LocalStackClient, 'baseUrl'>): Promise<ContractClient> {
    const response = await fetch(`${stack.baseUrl}/v1/openapi.json`);
    expect(response.status).toBe(200);
    const client = new ContractClient(stack, (await response.json()) as OpenApiDocument);
    client.openAiVideo = await openAiVideoValidator();
    return client;
  }

  /** Calls the API like a client (redirects not followed) and checks the reply against the document. */
  async call(method: string, path: string, options: CallOptions = {}): Promise<ContractReply> {
    const { token, json, body: rawBody, ...init } = options;
    const headers = new Headers(init.headers);
    if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
    let body: string | Buffer | undefined = rawBody;
    if (json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(json);
    }
    const response = await fetch(`${this.stack.baseUrl}${path}`, {
      ...init,
      method,
      headers,
      body,
      redirect: 'manual',
    });
    return this.checkResponse(method, path, response);
  }

  /**
   * A `fetch` to hand to another client (the `openai` SDK's `fetch` option): it sends the request unchanged, checks
   * the API's reply like {@link call} does, and follows a 302 afterwards as fetch would (a cross-origin redirect
   * drops the credentials, as fetch's redirect rules do). A reply that breaks the contract is recorded in
   * `violations` rather than thrown, so the client under test does not take it for a network error and retry.
   */
  readonly fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    // Not a call to the API (the SDK probes its fetch's FormData support with a `data:` URL).
    if (url.origin !== new URL(this.stack.baseUrl).origin) return fetch(input, init);
    const method = (init.method ?? 'GET').toUpperCase();
    const response = await fetch(url, { ...init, redirect: 'manual' });
    try {
      await this.checkResponse(method, `${url.pathname}${url.search}`, response.clone());
    } catch (error) {
      this.violations.push(`${method} ${url.pathname}: ${(error as Error).message}`);
    }
    const location = response.headers.get('location');
    if (response.status !== 302 || location === null || init.redirect === 'manual') return response;
    return fetch(new URL(location, url), { method: 'GET', ...(init.signal ? { signal: init.signal } : {}) });
  };

  /** Contract failures of replies seen through {@link fetch}. */
  readonly violations: string[] = [];

  private async checkResponse(method: string, path: string, response: Response): Promise<ContractReply> {
    const text = await response.text();
    const isJson = /^application\/json/.test(response.headers.get('content-type') ?? '');
    const reply = {
      status: response.status,
      headers: response.headers,
      body: text.length === 0 ? null : isJson ? parseJson(text, `${method} ${path} → ${response.status}`) : text,
    };
    return { ...reply, checkedAs: this.check(method, path, reply, response.headers.get('content-type')) };
  }

  /** The documented response of `method path` for `status`, or `default`. */
  private check(
    method: string,
    path: string,
    reply: { status: number; headers: Headers; body: unknown },
    contentType: string | null,
  ): string {
    const url = new URL(path, 'http://localhost');
    const template = this.templateOf(url.pathname);
    const what = `${method} ${url.pathname} → ${reply.status} ${JSON.stringify(reply.body)}`;
    expect(template, `${what}: no documented path`).toBeDefined();
    const operation = this.document.paths[template!]?.[method.toLowerCase()];
    expect(operation, `${what}: ${method} ${template} is not documented`).toBeDefined();
    const key = String(reply.status) in operation!.responses ? String(reply.status) : 'default';
    const documented = operation!.responses[key];
    expect(documented, `${what}: status not documented and no default`).toBeDefined();
    expect(reply.headers.get('x-request-id'), `${what}: no x-request-id`).toBeTruthy();

    const documentedTypes = Object.keys(documented!.content ?? {});
    const replyType = (contentType ?? '').split(';')[0]!.trim();
    const schema = documented!.content?.['application/json']?.schema;
    if (documentedTypes.length === 0) {
      expect(reply.body, `${what}: documented without a body`).toBeNull();
    } else if (replyType !== 'application/json') {
      expect(documentedTypes, `${what}: content type ${replyType} not documented`).toContain(replyType);
    } else {
      expect(contentType ?? '', `${what}: content type`).toMatch(/^application\/json/);
      const validate = this.validatorFor(`${method} ${template} ${key}`, schema);
      const valid = validate(reply.body);
      expect(valid, `${what}: does not match its schema: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    for (const video of videosIn(reply.body)) {
      const valid = this.openAiVideo?.(video);
      expect(
        valid,
        `${what}: a video OpenAI's VideoResource rejects: ${JSON.stringify(this.openAiVideo?.errors)}`,
      ).toBe(true);
    }
    const error = (reply.body as { error?: { code?: string; request_id?: string } } | null)?.error;
    if (reply.status >= 400) {
      expect(error?.request_id, `${what}: request_id must repeat x-request-id`).toBe(reply.headers.get('x-request-id'));
    }
    this.seen.push({ method, template: template!, status: reply.status, code: error?.code ?? null });
    return `${method} ${template} ${key}`;
  }

  private templateOf(pathname: string): string | undefined {
    const templates = Object.keys(this.document.paths);
    // Literal paths first, so /v1/openapi.json is not read as a video id.
    const exact = templates.find((template) => template === pathname);
    if (exact !== undefined) return exact;
    return templates.find((template) =>
      new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`).test(pathname),
    );
  }

  private validatorFor(key: string, schema: unknown): ValidateFunction {
    let validate = this.validators.get(key);
    if (validate === undefined) {
      // The document's `$ref`s (#/components/schemas/...) point into the document added above.
      const absolute = JSON.stringify(schema).replaceAll('"#/components/', `"${DOCUMENT_ID}#/components/`);
      validate = this.ajv.compile(JSON.parse(absolute) as object);
      this.validators.set(key, validate);
    }
    return validate;
  }
}

/** OpenAI's four statuses: a video in one of them must also be a valid OpenAI `VideoResource`. */
const OPENAI_STATUSES = ['queued', 'in_progress', 'completed', 'failed'];

/** The videos of a reply (a video, or a list of them) in one of OpenAI's statuses. */
function videosIn(body: unknown): unknown[] {
  const object = body as { object?: unknown; data?: unknown } | null;
  const candidates = object?.object === 'video' ? [object] : Array.isArray(object?.data) ? object.data : [];
  return candidates.filter((video: { object?: unknown; status?: unknown } | null) => {
    return video?.object === 'video' && OPENAI_STATUSES.includes(String(video.status));
  });
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what}: the body is not JSON: ${text.slice(0, 200)}`);
  }
}
