import { DEFAULT_CATALOGUE } from '../catalogue/default-catalogue';
import { videoIndexKeys, videoKey } from '../table-keys';
import { DEFAULT_PROVIDER, type VideoRecord } from './video';

/** The table's item for a video (internal attribute names are camelCase; the wire is snake_case). */
export interface VideoItem extends Partial<Omit<VideoRecord, 'videoId' | 'userId'>> {
  pk: string;
  sk: string;
  gsi1pk: string;
  gsi1sk: string;
  entity: 'video';
  videoId: string;
  userId: string;
}

/** Maps a record to its item; null fields are left out so `attribute_not_exists` conditions mean "not set". */
export function toItem(video: VideoRecord): VideoItem {
  const item: Record<string, unknown> = {
    ...videoKey(video.videoId),
    ...videoIndexKeys(video.userId, video.videoId),
    entity: 'video',
  };
  for (const [name, value] of Object.entries(video)) {
    if (value !== null && value !== undefined) item[name] = value;
  }
  return item as unknown as VideoItem;
}

/** Maps an item back to a record, filling absent optional fields with null. */
export function fromItem(item: Record<string, unknown>): VideoRecord {
  const v = item as unknown as VideoItem;
  const model = v.model ?? 'sora-2';
  return {
    videoId: v.videoId,
    userId: v.userId,
    status: v.status ?? 'queued',
    progress: v.progress ?? 0,
    prompt: v.prompt ?? '',
    model,
    seconds: v.seconds ?? '4',
    size: v.size ?? '720x1280',
    metadata: v.metadata ?? {},
    remixedFromVideoId: v.remixedFromVideoId ?? null,
    createdAt: v.createdAt ?? 0,
    updatedAt: v.updatedAt ?? v.createdAt ?? 0,
    completedAt: v.completedAt ?? null,
    error: v.error ?? null,
    estimatedMicros: v.estimatedMicros ?? 0,
    chargedMicros: v.chargedMicros ?? null,
    // Written before the catalogue: priced with the default's prices (the price table it replaced, same version) and
    // made at the `openai` kind with the model's own id.
    priceVersion: v.priceVersion ?? DEFAULT_CATALOGUE.price_version,
    provider: v.provider ?? DEFAULT_PROVIDER,
    providerModel: v.providerModel ?? model,
    content: v.content ?? null,
    providerVideoId: v.providerVideoId ?? null,
    providerCreateAttempts: v.providerCreateAttempts ?? 0,
    providerFirstAttemptAt: v.providerFirstAttemptAt ?? null,
    // Only present on remixes, edits, extensions, deleted videos and videos from an image, so records of plain videos keep their original shape.
    ...(v.remixSourceProviderVideoId ? { remixSourceProviderVideoId: v.remixSourceProviderVideoId } : {}),
    ...(typeof v.providerCreateResolvedAttempts === 'number'
      ? { providerCreateResolvedAttempts: v.providerCreateResolvedAttempts }
      : {}),
    ...(typeof v.deletedAt === 'number' ? { deletedAt: v.deletedAt } : {}),
    ...(typeof v.promptSha256 === 'string' ? { promptSha256: v.promptSha256 } : {}),
    ...(typeof v.idempotencyRecordId === 'string' ? { idempotencyRecordId: v.idempotencyRecordId } : {}),
    ...(typeof v.providerUnitCostMicros === 'number' ? { providerUnitCostMicros: v.providerUnitCostMicros } : {}),
    ...(v.inputReference ? { inputReference: v.inputReference } : {}),
    ...(v.derivedFrom ? { derivedFrom: v.derivedFrom } : {}),
    ...(typeof v.webhookWaitUntil === 'number' ? { webhookWaitUntil: v.webhookWaitUntil } : {}),
    ...(typeof v.progressReadAt === 'number' ? { progressReadAt: v.progressReadAt } : {}),
  };
}
