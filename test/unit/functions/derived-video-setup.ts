import type { VideoAdmissionDeps } from '../../../shared/admission/admit-video';
import { DEFAULT_CATALOGUE } from '../../../shared/catalogue/default-catalogue';
import type { RequestIdempotency } from '../../../shared/http/idempotency';
import type { PipelineInput } from '../../../shared/pipeline/types';
import type { VideoSeconds } from '../../../shared/video/schemas';
import {
  aVideo,
  fakeLogger,
  fakeMetrics,
  fixedClock,
  InMemoryVideoRepository,
  recordingPipeline,
} from '../fakes/fakes';
import { InMemoryBilling } from '../money/in-memory-billing';

export const SOURCE_ID = 'vid_01JD00000000000000000000S1';
export const NEW_ID = 'vid_01JD0000000000000000000002';

/**
 * The admission dependencies of a video made from another (remix, edit, extend): alice's sora-2-pro source video,
 * in-memory money and records, a recording pipeline starter and idempotency.
 */
export function derivedVideoSetup(
  options: {
    startError?: Error;
    sourceStatus?: 'completed' | 'in_progress';
    sourceSeconds?: VideoSeconds;
    /** The source is itself an extension of a video this long (its record's seconds then being the segment). */
    sourceExtends?: number;
    newIds?: string[];
  } = {},
) {
  const source = aVideo({
    videoId: SOURCE_ID,
    status: options.sourceStatus ?? 'completed',
    model: 'sora-2-pro',
    size: '1792x1024',
    seconds: options.sourceSeconds ?? '8',
    providerVideoId: options.sourceStatus === 'in_progress' ? null : 'video_source',
    ...(options.sourceExtends === undefined
      ? {}
      : {
          derivedFrom: {
            kind: 'extension' as const,
            videoId: 'vid_01JD00000000000000000000S0',
            providerVideoId: 'video_first',
            sourceSeconds: options.sourceExtends,
          },
        }),
  });
  const videos = new InMemoryVideoRepository([source]);
  const money = new InMemoryBilling(videos);
  const started: PipelineInput[] = [];
  const idempotencyCalls: unknown[] = [];
  const idempotency: RequestIdempotency = async (request, _context, run) => {
    idempotencyCalls.push(request);
    return run();
  };
  const deps: VideoAdmissionDeps = {
    videos,
    money,
    guards: money,
    pipeline: recordingPipeline(started, options.startError),
    catalogue: DEFAULT_CATALOGUE,
    idempotency,
    clock: fixedClock('2025-11-21T04:40:00Z'),
    newId: options.newIds === undefined ? () => NEW_ID : () => options.newIds?.shift() ?? NEW_ID,
    logger: fakeLogger(),
    metrics: fakeMetrics(),
  };
  return { videos, money, started, idempotencyCalls, deps };
}
