import { readFileSync } from 'node:fs';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { SPEC_PATH } from '../provider-emulator/openapi-validator';

export type { ValidateFunction };

const SPEC_ID = 'https://reelflow.local/openai-videos-openapi.json';

/**
 * A validator of OpenAI's `VideoResource` schema, from the verbatim reference copy of OpenAI's Videos API: a video
 * reelflow returns in one of OpenAI's four statuses must pass it (reelflow's extra fields are allowed, as the
 * schema does not forbid them).
 */
export async function openAiVideoValidator(): Promise<ValidateFunction> {
  const spec = parse(readFileSync(SPEC_PATH, 'utf8')) as { components: Record<string, unknown> };
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
  addFormats(ajv);
  ajv.addFormat('unixtime', { type: 'number', validate: (value: number) => Number.isInteger(value) });
  ajv.addFormat('binary', true);
  ajv.addVocabulary(['components', 'example', 'x-stainless-const']);
  ajv.addSchema({ $id: SPEC_ID, components: spec.components });
  return ajv.compile({ $ref: `${SPEC_ID}#/components/schemas/VideoResource` });
}
