/** The API's resources, as far as the console reads them (the OpenAPI document at /v1/openapi.json has them whole). */

export interface Video {
  id: string;
  status: string;
  progress: number;
  prompt: string;
  model: string;
  seconds: string;
  size: string;
  provider?: string;
  created_at: number;
  completed_at: number | null;
  error: { code: string; message: string } | null;
  user_id?: string;
}

/** A model of the catalogue (`GET /v1/models`), as far as the create box reads it. */
export interface Model {
  id: string;
  seconds: string[];
  sizes: string[];
  default_seconds: string;
  default_size: string;
  price: { currency: string; micros_per_second: Record<string, number> };
}

export interface ModelList {
  data: Model[];
}

export interface VideoList {
  data: Video[];
  has_more: boolean;
  next_cursor: string | null;
}

export interface CostTotals {
  videos: number;
  seconds: number;
  charged_micros: number;
  reserved_micros: number;
  provider_cost_micros: number;
  aws_cost_micros: number;
}

export interface CostReport {
  month: string;
  data: Array<CostTotals & { user_id: string }>;
  totals: CostTotals;
}

export interface Ledger {
  month: string;
  user_id: string;
  data: Array<{
    video_id: string;
    entry: string;
    model: string;
    size: string;
    seconds: number;
    amount_micros: number;
    charged_at: number;
  }>;
  provider_costs: Array<{ video_id: string; seconds: number; provider_cost_micros: number; video_status: string }>;
  totals: { videos: number; seconds: number; charged_micros: number; provider_cost_micros: number };
}

export interface Limits {
  user_id: string;
  budget_micros: number;
  max_active: number;
  max_per_day: number;
}

export interface AuditRecord {
  id: string;
  action: string;
  actor_user_id: string;
  user_id: string;
  video_id?: string;
  created_at: number;
  old_values: Record<string, unknown>;
  new_values: Record<string, unknown>;
}

export interface ExecutionState {
  name: string;
  type: string;
  offset_ms: number;
  duration_ms: number | null;
  attempts: number;
  retries: number;
  outcome: 'running' | 'succeeded' | 'failed' | 'stopped';
  error: { error: string; cause: string } | null;
}

export interface VideoExecution {
  video_id: string;
  user_id: string;
  status: string;
  started_at: number;
  stopped_at: number | null;
  error: { error: string; cause: string } | null;
  redrive_count: number;
  states: ExecutionState[];
}
