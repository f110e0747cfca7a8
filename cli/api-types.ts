/** A webhook endpoint as the API answers it (`secret` only in the answer of its creation). */
export interface WebhookEndpoint {
  id: string;
  url: string;
  events: string[];
  status: 'enabled' | 'disabled';
  disabled_reason: string | null;
  failing_since: number | null;
  created_at: number;
  secret?: string;
}

/** One event's delivery to an endpoint. */
export interface WebhookDelivery {
  id: string;
  event_type: string;
  video_id: string;
  status: string;
  attempts: number;
  last_response_code: number | null;
  last_error: string | null;
  last_attempt_at: number | null;
  last_duration_ms: number | null;
  next_attempt_at: number | null;
  created_at: number;
}

/** A page of a list. */
export interface Page<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

/** The video resource as the API's OpenAPI document describes it (only what the CLI reads is typed strictly). */
export interface Video {
  id: string;
  object: 'video';
  status: 'queued' | 'in_progress' | 'storing' | 'completed' | 'failed' | 'cancelled';
  progress: number;
  prompt: string;
  model: string;
  seconds: string;
  size: string;
  /** The provider kind that makes it (absent from APIs older than the model catalogue). */
  provider?: string;
  remixed_from_video_id: string | null;
  metadata: Record<string, string>;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  error: { code: string; message: string } | null;
  cost: { currency: string; estimated_micros: number; charged_micros: number | null };
  content: { content_type: string; bytes: number; sha256: string; variants: string[] } | null;
}

export interface VideoList {
  object: 'list';
  data: Video[];
  has_more: boolean;
  next_cursor?: string | null;
}

/**
 * A page of `GET /v1/admin/audit` (a change of limits, a redrive with its `video_id`, or an erasure with its
 * `erasure_id` and no values).
 */
export interface AuditList {
  object: 'list';
  data: Array<{
    id: string;
    action?: string;
    actor_user_id: string;
    user_id: string;
    video_id?: string;
    erasure_id?: string;
    old_values?: Record<string, number | string>;
    new_values?: Record<string, number | string>;
    request_id: string | null;
    created_at: number;
  }>;
  has_more: boolean;
  next_cursor: string | null;
}

/** A page of `GET /v1/admin/videos`: videos of any user (role operators). */
export interface AdminVideoList {
  object: 'list';
  data: Array<Video & { user_id: string }>;
  has_more: boolean;
  next_cursor: string | null;
}

/** `GET /v1/admin/videos/{id}/execution`: the execution's states in order. */
export interface VideoExecution {
  video_id: string;
  status: string;
  started_at: number;
  stopped_at: number | null;
  error: { error: string; cause: string } | null;
  redrive_count: number;
  states: Array<{
    name: string;
    type: string;
    offset_ms: number;
    duration_ms: number | null;
    attempts: number;
    retries: number;
    outcome: string;
    error: { error: string; cause: string } | null;
  }>;
}

/** `POST /v1/admin/videos/{id}/redrive`. */
export interface VideoRedrive {
  video_id: string;
  status: string;
  redrive_count: number;
  restarted_state: string;
  audit_id: string;
}

/** `DELETE /v1/admin/users/{userId}`: an erasure of a user's data and how far it got. */
export interface UserErasure {
  id: string;
  user_id: string;
  status: 'pending' | 'completed';
  requested_by: string;
  requested_at: number;
  completed_at: number | null;
  videos_erased: number;
  videos_cancelled: number;
  objects_deleted: number;
}

export interface CreateVideoBody {
  prompt: string;
  model?: string;
  seconds?: string;
  size?: string;
  metadata?: Record<string, string>;
}

export type ContentVariant = 'video' | 'thumbnail' | 'spritesheet';

/** What a download wrote. */
export interface Download {
  path: string;
  bytes: number;
  sha256: string;
  contentType: string | null;
}

/** A model of the catalogue (`GET /v1/models`): what a create may ask of it, and what a second of it costs. */
export interface Model {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  seconds: string[];
  sizes: string[];
  default_seconds: string;
  default_size: string;
  capabilities: { image_input: boolean; remix: boolean; edit: boolean; extend: boolean };
  price: { currency: string; micros_per_second: Record<string, number> };
  providers: string[];
}

/** `GET /v1/models`: every model, the default of a create without `--model` first. */
export interface ModelList {
  object: 'list';
  data: Model[];
}
