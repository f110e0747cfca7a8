import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import * as z from 'zod/mini';
import { ddb, dynamodb } from '../aws/dynamodb';
import { sfn } from '../aws/sfn';
import { catalogueEnvSchema } from '../catalogue/env';
import { idempotencyEnvSchema, stateMachineEnvSchema, tableEnvSchema } from '../config';
import { requestIdempotency } from '../http/idempotency';
import { newVideoId } from '../ids';
import { lazy } from '../lazy';
import { dynamoBilling } from '../money/billing';
import { DynamoIdempotencyGuards } from '../money/idempotency-guard';
import { defaultLimitsFrom, limitsEnvSchema } from '../money/user-limits';
import { logger, metrics } from '../observability/powertools';
import { StepFunctionsPipelineStarter } from '../pipeline/pipeline-starter';
import { DynamoVideoRepository } from '../video/repository';
import type { VideoAdmissionDeps } from './admit-video';

/** What the functions that admit videos (create, remix, edit, extend) need from their environment. */
export const admissionEnvSchema = lazy(() =>
  z.object({
    ...tableEnvSchema().shape,
    ...idempotencyEnvSchema().shape,
    ...stateMachineEnvSchema().shape,
    ...catalogueEnvSchema().shape,
    ...limitsEnvSchema().shape,
  }),
);

/** The AWS-backed dependencies of create-video and remix-video (one place, so the two cannot drift). */
export function videoAdmissionDeps(env: z.output<ReturnType<typeof admissionEnvSchema>>): VideoAdmissionDeps {
  return {
    money: dynamoBilling(ddb, env.TABLE_NAME, defaultLimitsFrom(env)),
    guards: new DynamoIdempotencyGuards(ddb, env.TABLE_NAME),
    videos: new DynamoVideoRepository(ddb, env.TABLE_NAME),
    pipeline: new StepFunctionsPipelineStarter(sfn, env.STATE_MACHINE_ARN),
    catalogue: env.MODEL_CATALOGUE,
    idempotency: requestIdempotency({
      persistenceStore: new DynamoDBPersistenceLayer({
        tableName: env.IDEMPOTENCY_TABLE_NAME,
        awsSdkV3Client: dynamodb,
      }),
    }),
    clock: () => new Date(),
    newId: newVideoId,
    logger,
    metrics,
  };
}
