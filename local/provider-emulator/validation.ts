import { ApiError, invalidParam, missingParam } from './api-error';
import { type Body, type BodyValue, isUploadedFile, type UploadedFile } from './request-body';

export const VIDEO_MODELS = [
  'sora-2',
  'sora-2-pro',
  'sora-2-2025-10-06',
  'sora-2-pro-2025-10-06',
  'sora-2-2025-12-08',
] as const;
export const VIDEO_SIZES = ['720x1280', '1280x720', '1024x1792', '1792x1024'] as const;
export const VIDEO_SECONDS = ['4', '8', '12'] as const;
export const MAX_PROMPT_LENGTH = 32000;

export type VideoSize = (typeof VIDEO_SIZES)[number];

export interface CreateVideoInput {
  prompt: string;
  model: string;
  size: VideoSize;
  seconds: string;
}

export interface SourceVideoInput {
  prompt: string;
  /** The referenced video's id, or the uploaded file. */
  video: { id: string } | UploadedFile;
}

export interface ExtendVideoInput extends SourceVideoInput {
  seconds: string;
}

/** Validates a create body (multipart or JSON) as the schema says, naming the offending `param`. */
export function parseCreateVideo(body: Body, multipart: boolean): CreateVideoInput {
  rejectUnknown(body, ['prompt', 'model', 'input_reference', 'seconds', 'size']);
  const prompt = requirePrompt(body);
  const model = optionalEnum(body, 'model', VIDEO_MODELS) ?? 'sora-2';
  const seconds = optionalEnum(body, 'seconds', VIDEO_SECONDS) ?? '4';
  const size = optionalEnum(body, 'size', VIDEO_SIZES) ?? '720x1280';
  checkInputReference(body.input_reference, multipart);
  return { prompt, model, seconds, size };
}

export function parseRemix(body: Body): { prompt: string } {
  rejectUnknown(body, ['prompt']);
  return { prompt: requirePrompt(body) };
}

export function parseEdit(body: Body, multipart: boolean): SourceVideoInput {
  rejectUnknown(body, ['prompt', 'video']);
  const prompt = requirePrompt(body);
  return { prompt, video: requireVideoReference(body, multipart) };
}

export function parseExtend(body: Body, multipart: boolean): ExtendVideoInput {
  rejectUnknown(body, ['prompt', 'video', 'seconds']);
  const prompt = requirePrompt(body);
  const video = requireVideoReference(body, multipart);
  const seconds = optionalEnum(body, 'seconds', VIDEO_SECONDS);
  if (seconds === undefined) throw missingParam('seconds');
  return { prompt, video, seconds };
}

/** Validates the list query: `limit` 0..100, `order` asc|desc, `after` a string. */
export function parseListQuery(query: URLSearchParams): { limit: number; order: 'asc' | 'desc'; after: string | null } {
  const rawLimit = query.get('limit');
  let limit = 20;
  if (rawLimit !== null) {
    if (!/^\d+$/.test(rawLimit)) {
      throw invalidParam(
        'limit',
        `Invalid 'limit': expected an integer, but got '${rawLimit}' instead.`,
        'invalid_type',
      );
    }
    limit = Number(rawLimit);
    if (limit > 100) {
      throw invalidParam(
        'limit',
        `Invalid 'limit': integer above maximum value. Expected a value <= 100, but got ${limit} instead.`,
        'integer_above_max_value',
      );
    }
  }
  const order = query.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') {
    throw invalidParam('order', `Invalid value: '${order}'. Supported values are: 'asc' and 'desc'.`);
  }
  return { limit, order, after: query.get('after') };
}

function rejectUnknown(body: Body, known: string[]): void {
  for (const key of Object.keys(body)) {
    if (!known.includes(key)) {
      throw new ApiError(400, `Unknown parameter: '${key}'.`, { param: key, code: 'unknown_parameter' });
    }
  }
}

function requirePrompt(body: Body): string {
  const prompt = body.prompt;
  if (prompt === undefined || prompt === null) throw missingParam('prompt');
  if (typeof prompt !== 'string') throw invalidType('prompt', 'a string', prompt);
  if (prompt.length < 1) {
    throw invalidParam(
      'prompt',
      "Invalid 'prompt': string too short. Expected a string with minimum length 1, but got an empty string instead.",
      'string_below_min_length',
    );
  }
  if (prompt.length > MAX_PROMPT_LENGTH) {
    throw invalidParam(
      'prompt',
      `Invalid 'prompt': string too long. Expected a string with maximum length ${MAX_PROMPT_LENGTH}, but got a string with length ${prompt.length} instead.`,
      'string_above_max_length',
    );
  }
  return prompt;
}

function optionalEnum<T extends string>(body: Body, param: string, allowed: readonly T[]): T | undefined {
  const value = body[param];
  if (value === undefined) return undefined;
  const list = allowed.map((v) => `'${v}'`);
  const supported = `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`;
  if (typeof value !== 'string') {
    throw invalidType(param, `one of ${list.join(', ')}`, value);
  }
  if (!(allowed as readonly string[]).includes(value)) {
    throw invalidParam(param, `Invalid value: '${value}'. Supported values are: ${supported}.`);
  }
  return value as T;
}

function requireVideoReference(body: Body, multipart: boolean): { id: string } | UploadedFile {
  const video = body.video;
  if (video === undefined || video === null) throw missingParam('video');
  if (isUploadedFile(video)) {
    if (!multipart) throw invalidType('video', 'an object', video);
    return video;
  }
  if (typeof video !== 'object' || Array.isArray(video)) throw invalidType('video', 'an object', video);
  for (const key of Object.keys(video)) {
    if (key !== 'id') {
      throw new ApiError(400, `Unknown parameter: 'video.${key}'.`, {
        param: `video.${key}`,
        code: 'unknown_parameter',
      });
    }
  }
  if (video.id === undefined) throw missingParam('video.id');
  if (typeof video.id !== 'string') throw invalidType('video.id', 'a string', video.id);
  return { id: video.id };
}

function checkInputReference(value: BodyValue | undefined, multipart: boolean): void {
  if (value === undefined) return;
  if (isUploadedFile(value)) {
    if (!multipart) throw invalidType('input_reference', 'an object', value);
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidType('input_reference', 'an object', value);
  }
  const keys = Object.keys(value);
  for (const key of keys) {
    if (key !== 'image_url' && key !== 'file_id') {
      throw new ApiError(400, `Unknown parameter: 'input_reference.${key}'.`, {
        param: `input_reference.${key}`,
        code: 'unknown_parameter',
      });
    }
    if (typeof value[key] !== 'string') throw invalidType(`input_reference.${key}`, 'a string', value[key]);
  }
  if (keys.length !== 1) {
    throw invalidParam('input_reference', "Provide exactly one of 'image_url' or 'file_id' in 'input_reference'.");
  }
}

function invalidType(param: string, expected: string, got: BodyValue | undefined): ApiError {
  return invalidParam(
    param,
    `Invalid type for '${param}': expected ${expected}, but got ${describe(got)} instead.`,
    'invalid_type',
  );
}

function describe(value: BodyValue | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (isUploadedFile(value)) return 'a file';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'object') return 'an object';
  return 'a string';
}
