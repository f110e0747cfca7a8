import type { AdminVideoList, AuditList, Model, ModelList, Video, VideoExecution } from './api-types';

/** Integer micro-USD as dollars, exact: 400000 → `$0.40`, 1234567 → `$1.234567`. */
export function formatMicros(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(micros));
  const fraction = String(abs % 1_000_000)
    .padStart(6, '0')
    .replace(/0{1,4}$/, '');
  return `${sign}$${Math.floor(abs / 1_000_000)}.${fraction.padEnd(2, '0')}`;
}

/** Unix seconds as an ISO-like UTC time, e.g. `2026-11-21 12:00:00Z`. */
export function formatTime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '-';
  return new Date(seconds * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** Bytes for people: `1.2 MB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Aligned `label  value` lines. */
export function keyValues(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`.trimEnd()).join('\n');
}

/** A plain text table with a header row; cells are cut at `maxCell` characters. */
export function table(headers: string[], rows: string[][], maxCell = 48): string {
  const cut = (cell: string) => (cell.length > maxCell ? `${cell.slice(0, maxCell - 1)}…` : cell);
  const cells = [headers, ...rows.map((row) => row.map(cut))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The detail view of one video (`get`, `create`, `remix`, `cancel`). */
export function formatVideo(video: Video): string {
  const rows: Array<[string, string]> = [
    ['id', video.id],
    ['status', video.status === 'completed' ? 'completed' : `${video.status} (${video.progress}%)`],
    ['prompt', video.prompt],
    ['model', video.model],
    ['seconds', video.seconds],
    ['size', video.size],
    ...(video.provider === undefined ? [] : ([['provider', video.provider]] as Array<[string, string]>)),
    ['created', formatTime(video.created_at)],
  ];
  if (video.completed_at !== null) rows.push(['completed', formatTime(video.completed_at)]);
  if (video.remixed_from_video_id) rows.push(['remixed from', video.remixed_from_video_id]);
  const metadata = Object.entries(video.metadata ?? {});
  if (metadata.length > 0) rows.push(['metadata', metadata.map(([key, value]) => `${key}=${value}`).join(', ')]);
  if (video.cost) {
    const charged = video.cost.charged_micros === null ? '' : `, ${formatMicros(video.cost.charged_micros)} charged`;
    rows.push(['cost', `${formatMicros(video.cost.estimated_micros)} estimated${charged}`]);
  }
  if (video.content) {
    const { content } = video;
    rows.push(['content', `${content.content_type}, ${formatBytes(content.bytes)}, sha256 ${content.sha256}`]);
    rows.push(['variants', content.variants.join(', ')]);
  }
  if (video.error) rows.push(['error', `${video.error.code}: ${video.error.message}`]);
  return keyValues(rows);
}

/** `4*, 8, 12`: the choices, the default marked with `*`. */
function choices(values: string[], defaultValue: string): string {
  return values.map((value) => (value === defaultValue ? `${value}*` : value)).join(', ');
}

/** What a model can do besides a create from a prompt, e.g. `image, remix, edit, extend` (`-` for nothing). */
function capabilitiesOf(model: Model): string {
  const { image_input, remix, edit, extend } = model.capabilities;
  const can = [image_input && 'image', remix && 'remix', edit && 'edit', extend && 'extend'].filter(Boolean);
  return can.length === 0 ? '-' : can.join(', ');
}

/** A model's price per second by size: `720x1280 $0.10/s, 1280x720 $0.10/s`. */
function pricesOf(model: Model): string {
  return model.sizes.map((size) => `${size} ${formatMicros(model.price.micros_per_second[size] ?? 0)}/s`).join(', ');
}

/** `models`: one row per model, the default of a create without `--model` first (defaults marked with `*`). */
export function formatModels(list: ModelList): string {
  if (list.data.length === 0) return 'no models';
  const rows = list.data.map((model, index) => [
    index === 0 ? `${model.id}*` : model.id,
    choices(model.seconds, model.default_seconds),
    choices(model.sizes, model.default_size),
    pricesOf(model),
    capabilitiesOf(model),
    model.providers.join(', '),
  ]);
  return `${table(['MODEL', 'SECONDS', 'SIZES', 'PRICE', 'ALSO', 'PROVIDERS'], rows, 80)}
* the default when a create names none`;
}

/** `models <id>`: one model. */
export function formatModel(model: Model): string {
  return keyValues([
    ['id', model.id],
    ['seconds', choices(model.seconds, model.default_seconds)],
    ['sizes', choices(model.sizes, model.default_size)],
    ['price', pricesOf(model)],
    ['also', capabilitiesOf(model)],
    ['providers', model.providers.join(', ')],
    ['created', formatTime(model.created)],
  ]);
}

/** The list view: one row per video, newest first as the API sends them. */
export function formatVideoTable(videos: Video[]): string {
  if (videos.length === 0) return 'no videos';
  return table(
    ['ID', 'STATUS', 'PROGRESS', 'MODEL', 'SECONDS', 'SIZE', 'CREATED', 'PROMPT'],
    videos.map((video) => [
      video.id,
      video.status,
      `${video.progress}%`,
      video.model,
      video.seconds,
      video.size,
      formatTime(video.created_at),
      video.prompt.replace(/\s+/g, ' '),
    ]),
  );
}

/**
 * Audit records, newest first: when, who, whose data, what changed (only the values that changed; a redrive names
 * its video, an erasure its id), request id.
 */
export function formatAudit(list: AuditList): string {
  const change = (record: AuditList['data'][number]) => {
    if (record.erasure_id !== undefined) return `erasure ${record.erasure_id} of the user's data`;
    const oldValues = record.old_values ?? {};
    const newValues = record.new_values ?? {};
    const changed = Object.keys(newValues).filter((key) => newValues[key] !== oldValues[key]);
    const subject = record.video_id === undefined ? '' : `redrive of ${record.video_id}: `;
    if (changed.length === 0) return `${subject}(no change)`;
    const values = changed
      .map((key) => `${labelOf(key)} ${formatValue(key, oldValues[key])} → ${formatValue(key, newValues[key])}`)
      .join('; ');
    return `${subject}${values}`;
  };
  const rows =
    list.data.length === 0
      ? '(none)'
      : table(
          ['TIME', 'BY', 'USER', 'CHANGE', 'REQUEST'],
          list.data.map((record) => [
            formatTime(record.created_at),
            record.actor_user_id,
            record.user_id,
            change(record),
            record.request_id ?? '-',
          ]),
          96,
        );
  return list.has_more && list.next_cursor !== null
    ? `${rows}

more: --after ${list.next_cursor}`
    : rows;
}

/** Videos of any user (operators): the video table with whose each one is. */
export function formatAdminVideos(list: AdminVideoList): string {
  const rows =
    list.data.length === 0
      ? '(none)'
      : table(
          ['ID', 'USER', 'STATUS', 'PROGRESS', 'CREATED', 'ERROR'],
          list.data.map((video) => [
            video.id,
            video.user_id,
            video.status,
            `${video.progress}%`,
            formatTime(video.created_at),
            video.error?.code ?? '-',
          ]),
        );
  return list.has_more && list.next_cursor !== null ? `${rows}\n\nmore: --after ${list.next_cursor}` : rows;
}

/** An execution's timeline: one row per state visit (offset from the start, duration, retries, outcome, error). */
export function formatExecution(execution: VideoExecution): string {
  const seconds = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`);
  const head = keyValues([
    ['video', execution.video_id],
    ['status', execution.status],
    ['started', formatTime(execution.started_at)],
    ['stopped', formatTime(execution.stopped_at)],
    ['redrives', String(execution.redrive_count)],
    ['error', execution.error === null ? '-' : execution.error.error],
  ]);
  const states = table(
    ['STATE', 'TYPE', 'AT', 'DURATION', 'RETRIES', 'OUTCOME', 'ERROR'],
    execution.states.map((state) => [
      state.name,
      state.type,
      `+${seconds(state.offset_ms)}`,
      seconds(state.duration_ms),
      String(state.retries),
      state.outcome,
      state.error?.error ?? '-',
    ]),
  );
  return `${head}\n\n${states}`;
}

/** Any JSON report (usage, costs): `*_micros` fields shown as dollars, arrays of objects as a table. */
export function formatReport(report: unknown): string {
  if (Array.isArray(report)) return formatRows(report);
  if (report === null || typeof report !== 'object') return String(report);
  const scalars: Array<[string, string]> = [];
  const blocks: string[] = [];
  for (const [key, value] of Object.entries(report)) {
    if (key === 'object') continue;
    if (Array.isArray(value))
      blocks.push(key === 'data' ? formatRows(value) : `${labelOf(key)}\n${indent(formatRows(value))}`);
    else if (value !== null && typeof value === 'object')
      blocks.push(`${labelOf(key)}\n${indent(formatReport(value))}`);
    else scalars.push([labelOf(key), formatValue(key, value)]);
  }
  return [scalars.length > 0 ? keyValues(scalars) : '', ...blocks].filter(Boolean).join('\n\n');
}

function formatRows(rows: unknown[]): string {
  if (rows.length === 0) return '(none)';
  const records = rows.map((row) => (row !== null && typeof row === 'object' ? row : { value: row })) as Array<
    Record<string, unknown>
  >;
  const keys = [...new Set(records.flatMap((record) => Object.keys(record)))].filter((key) => key !== 'object');
  return table(
    keys.map((key) => labelOf(key).toUpperCase()),
    records.map((record) => keys.map((key) => formatValue(key, record[key]))),
  );
}

function indent(text: string): string {
  return text.replace(/^(?=.)/gm, '  ');
}

function labelOf(key: string): string {
  return key.replace(/_micros$/, '').replace(/_/g, ' ');
}

function formatValue(key: string, value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (key.endsWith('_micros') && typeof value === 'number') return formatMicros(value);
  if (key.endsWith('_at') && typeof value === 'number') return formatTime(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
