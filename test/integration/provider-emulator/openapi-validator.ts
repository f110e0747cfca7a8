import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/** OpenAI's own schema of the Videos API, extracted verbatim (see the file's header). */
export const SPEC_PATH = fileURLToPath(
  new URL('../../../local/provider-emulator/reference/openai-videos-openapi.yaml', import.meta.url),
);

const SPEC_ID = 'https://reelflow.local/openai-videos-openapi.json';

interface Spec {
  paths: Record<
    string,
    Record<string, { responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> }>
  >;
  components: { schemas: Record<string, unknown> };
}

/** One JSON response as it was on the wire. */
export interface WireRecord {
  method: string;
  url: string;
  status: number;
  json: unknown;
}

export interface Violation {
  record: WireRecord;
  schema: string;
  errors: unknown;
}

/**
 * Validates JSON responses against the schema file with Ajv's JSON Schema 2020-12 build (OpenAPI 3.1 schemas are
 * 2020-12). The components are added as one schema with an `$id`, so `#/components/schemas/...` refs resolve.
 */
export class OpenApiValidator {
  private readonly spec: Spec;
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(path = SPEC_PATH) {
    this.spec = parse(readFileSync(path, 'utf8')) as Spec;
    this.ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
    addFormats(this.ajv);
    this.ajv.addFormat('unixtime', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
    this.ajv.addFormat('binary', true);
    this.ajv.addVocabulary(['components', 'example', 'x-stainless-const']);
    this.ajv.addSchema({ $id: SPEC_ID, components: this.spec.components });
  }

  /** The component schema a response must match: `ErrorResponse` for errors, else the operation's 200 schema. */
  schemaNameFor(method: string, url: string, status: number): string | null {
    if (status >= 400) return 'ErrorResponse';
    const path = new URL(url).pathname.replace(/^\/v1/, '');
    const candidates = Object.entries(this.spec.paths)
      .filter(([template]) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path))
      .sort(([a], [b]) => literalSegments(b) - literalSegments(a));
    for (const [, operations] of candidates) {
      const ref = operations[method.toLowerCase()]?.responses?.['200']?.content?.['application/json']?.schema?.$ref;
      if (ref) return ref.replace('#/components/schemas/', '');
    }
    return null;
  }

  validate(record: WireRecord): Violation | null {
    const schema = this.schemaNameFor(record.method, record.url, record.status);
    if (schema === null) return { record, schema: '(none)', errors: 'no JSON response schema for this operation' };
    const validate = this.validator(schema);
    return validate(record.json) ? null : { record, schema, errors: validate.errors };
  }

  validateAll(records: WireRecord[]): Violation[] {
    return records.map((record) => this.validate(record)).filter((v): v is Violation => v !== null);
  }

  private validator(name: string): ValidateFunction {
    let validate = this.validators.get(name);
    if (!validate) {
      validate = this.ajv.getSchema(`${SPEC_ID}#/components/schemas/${name}`);
      if (!validate) throw new Error(`schema ${name} not found`);
      this.validators.set(name, validate);
    }
    return validate;
  }
}

function literalSegments(template: string): number {
  return template.split('/').filter((s) => s && !s.startsWith('{')).length;
}

/** A `fetch` for the openai SDK that records every JSON response body, so tests validate what was on the wire. */
export function recordingFetch(records: WireRecord[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if ((response.headers.get('content-type') ?? '').includes('application/json')) {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const text = await response.clone().text();
      records.push({ method: init?.method ?? 'GET', url, status: response.status, json: JSON.parse(text) });
    }
    return response;
  };
}
