import type * as z from 'zod/mini';
import type { $ZodError } from 'zod/v4/core';
import { ValidationError } from '../errors';
import '../zod-messages';

/*
 * From a zod parse to the API's error: the request schemas (shared/video/schemas.ts and each function's schema.ts) are
 * parsed here, and a misfit becomes a 400 `invalid_parameter`/`missing_parameter` with `param` set.
 */

/**
 * Turns a zod error into the API's ValidationError: the first issue decides; `param` names the field
 * (an unknown field names itself), a field that is absent is `missing_parameter`.
 */
export function toValidationError(error: $ZodError): ValidationError {
  const issue = error.issues[0];
  if (issue === undefined) return new ValidationError('Invalid request');
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const name = [...path, String(issue.keys[0])].join('.');
    return new ValidationError(`Unknown parameter: '${name}'`, name);
  }
  const param = path.length > 0 ? path.join('.') : null;
  if (param === null && issue.code === 'invalid_type') return new ValidationError('Request body must be a JSON object');
  if (issue.code === 'invalid_type' && 'input' in issue && issue.input === undefined && param !== null) {
    return new ValidationError(`Missing required parameter: '${param}'`, param, 'missing_parameter');
  }
  return new ValidationError(issue.message, param);
}

/** Parses `input` with `schema`, throwing the API's ValidationError (400, `param` set) when it does not fit. */
export function parseRequest<S extends z.ZodMiniType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (!result.success) throw toValidationError(result.error);
  return result.data;
}
