import { ValidationError } from '../errors';

/*
 * Opaque list cursors: the DynamoDB key a page ended at, as base64url JSON. Each listing checks the decoded fields
 * belong to it (same partition, same index) before it resumes from them.
 */

/** Encodes a page position (a DynamoDB key) as an opaque cursor. */
export function encodeCursor(key: object): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** The 400 on `after` for a cursor that is not one of this listing's. */
export function invalidCursor(): ValidationError {
  return new ValidationError('after is not a valid cursor', 'after');
}

/** The fields of a cursor, or {@link invalidCursor} when it does not decode to a JSON object. */
export function cursorFields(cursor: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidCursor();
  return parsed as Record<string, unknown>;
}
