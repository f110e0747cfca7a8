import * as z from 'zod/mini';
import { lazy } from '../lazy';
import type { VideoContent } from '../video/video';

/**
 * The AWS-side cost of producing a video (cost of goods, beside what the provider bills), priced from counted work
 * with a versioned unit-price table. Prices are micro-USD (fractions allowed: unit prices are tiny); the total is
 * rounded to whole micros once.
 */
export const awsUnitPricesSchema = lazy(() =>
  z.object({
    version: z.string().check(z.minLength(1)),
    /** Step Functions Standard, per state transition ($0.025 per 1,000). */
    stateTransitionMicros: z.number().check(z.nonnegative()),
    /** Lambda arm64, per GB-second ($0.0000133334). */
    lambdaGbSecondMicros: z.number().check(z.nonnegative()),
    /** Lambda, per request ($0.20 per million). */
    lambdaRequestMicros: z.number().check(z.nonnegative()),
    /** S3 Standard PUT/COPY/POST/LIST, per request ($0.005 per 1,000). */
    s3PutRequestMicros: z.number().check(z.nonnegative()),
    /** S3 Standard storage, per GB-month ($0.023): the stored bytes are priced for one month. */
    s3GbMonthMicros: z.number().check(z.nonnegative()),
  }),
);
export type AwsUnitPrices = z.output<ReturnType<typeof awsUnitPricesSchema>>;

/** us-east-1 list prices (2026). */
export const DEFAULT_AWS_UNIT_PRICES: AwsUnitPrices = {
  version: '2026-us-east-1',
  stateTransitionMicros: 25,
  lambdaGbSecondMicros: 13.3334,
  lambdaRequestMicros: 0.2,
  s3PutRequestMicros: 5,
  s3GbMonthMicros: 23_000,
};

/** `AWS_UNIT_PRICES` (JSON) overrides the defaults; validated at cold start. */
export const awsPricesEnvSchema = lazy(() =>
  z.object({
    AWS_UNIT_PRICES: z.pipe(
      z.optional(z.string().check(z.minLength(1))),
      z.transform((json, ctx) => {
        if (json === undefined) return DEFAULT_AWS_UNIT_PRICES;
        try {
          return awsUnitPricesSchema().parse(JSON.parse(json));
        } catch {
          ctx.issues.push({ code: 'custom', message: 'AWS_UNIT_PRICES must be a JSON unit-price table', input: json });
          return z.NEVER;
        }
      }),
    ),
  }),
);
export type AwsPricesEnv = z.input<ReturnType<typeof awsPricesEnvSchema>>;

/** Work a video's pipeline did, as counted by the task functions (work-meter.ts) and known at settlement. */
export interface CountedWork {
  /** Task function invocations (every attempt, retries included). */
  taskInvocations: number;
  /** PollGenerationJob invocations: each stands for a Wait, the poll and the Choice. */
  pollInvocations: number;
  /** Sum of invocation duration × configured memory (MB·ms). */
  lambdaMbMillis: number;
  /** S3 write requests of the stored objects. */
  s3PutRequests: number;
  /** Bytes stored in S3. */
  s3Bytes: number;
}

/** The cost and the figures it was computed from (kept on the ledger entry for finance). */
export interface AwsCost {
  micros: number;
  priceVersion: string;
  stateTransitions: number;
  lambdaGbSeconds: number;
  lambdaRequests: number;
  s3PutRequests: number;
  s3Bytes: number;
}

/**
 * The settling task and the end state (Succeed or Fail) are two transitions the counters cannot have seen yet.
 * A poll invocation stands for three transitions (WaitBeforePoll, PollGenerationJob, IsGenerationFinished); any other
 * invocation for one.
 */
const SETTLEMENT_TRANSITIONS = 2;

/** Prices counted work. */
export function awsCostOf(work: CountedWork, prices: AwsUnitPrices = DEFAULT_AWS_UNIT_PRICES): AwsCost {
  const stateTransitions = work.taskInvocations + 2 * work.pollInvocations + SETTLEMENT_TRANSITIONS;
  const lambdaGbSeconds = work.lambdaMbMillis / 1024 / 1000;
  const micros =
    stateTransitions * prices.stateTransitionMicros +
    lambdaGbSeconds * prices.lambdaGbSecondMicros +
    work.taskInvocations * prices.lambdaRequestMicros +
    work.s3PutRequests * prices.s3PutRequestMicros +
    (work.s3Bytes / 1e9) * prices.s3GbMonthMicros;
  return {
    micros: Math.round(micros),
    priceVersion: prices.version,
    stateTransitions,
    lambdaGbSeconds: Math.round(lambdaGbSeconds * 1000) / 1000,
    lambdaRequests: work.taskInvocations,
    s3PutRequests: work.s3PutRequests,
    s3Bytes: work.s3Bytes,
  };
}

/** lib-storage's Upload: one PutObject up to its part size, else create + parts + complete. */
const UPLOAD_PART_BYTES = 5 * 1024 * 1024;

/** S3 write requests to store an object of `bytes` (a preview of unknown size counts as one PutObject). */
export function s3PutRequestsFor(bytes: number | undefined): number {
  if (bytes === undefined || bytes <= UPLOAD_PART_BYTES) return 1;
  return 2 + Math.ceil(bytes / UPLOAD_PART_BYTES);
}

/** The work counters the task functions keep on a video item (work-meter.ts); absent until the first task ends. */
export interface WorkCounters {
  workInvocations?: number;
  workPolls?: number;
  workLambdaMbMillis?: number;
}

/** The AWS-side cost of a video from its work counters and, once stored, its content. */
export function videoAwsCost(
  counters: WorkCounters,
  content: VideoContent | null,
  prices: AwsUnitPrices = DEFAULT_AWS_UNIT_PRICES,
): AwsCost {
  const variants = content?.variants ?? [];
  return awsCostOf(
    {
      taskInvocations: counters.workInvocations ?? 0,
      pollInvocations: counters.workPolls ?? 0,
      lambdaMbMillis: counters.workLambdaMbMillis ?? 0,
      // The MP4's size is known; each preview is one PutObject of unknown (small) size.
      s3PutRequests: variants.reduce(
        (requests, variant) => requests + s3PutRequestsFor(variant === 'video' ? content?.bytes : undefined),
        0,
      ),
      s3Bytes: content?.bytes ?? 0,
    },
    prices,
  );
}
