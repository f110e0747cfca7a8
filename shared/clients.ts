import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from './powertools';

/*
 * Module-scope AWS SDK v3 clients, created once per execution environment and traced.
 * Region comes from AWS_REGION; endpoints come from the SDK's own AWS_ENDPOINT_URL_DYNAMODB / _S3 / _SFN
 * environment variables, so nothing here knows whether it runs locally or in AWS.
 */

const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;

/** The low-level DynamoDB client (for libraries that take one, e.g. the Powertools idempotency store). */
export const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({ region }));

/** DynamoDB document client; undefined attributes are dropped rather than rejected. */
export const ddb = DynamoDBDocumentClient.from(dynamodb, {
  marshallOptions: { removeUndefinedValues: true },
});

/** S3 client; path-style addressing only when S3_FORCE_PATH_STYLE=true (s3rver locally). */
export const s3 = tracer.captureAWSv3Client(
  new S3Client({ region, forcePathStyle: process.env.S3_FORCE_PATH_STYLE === 'true' }),
);

/**
 * Attempts of a Step Functions call (the SDK's standard retry: capped exponential backoff with full jitter). Only the
 * API functions call Step Functions, to start or stop a video's execution, with no Retry behind them: a start that
 * still fails marks the video failed. The SDK's default of 3 lets three throttles in a row fail a video; 8 rides
 * out a burst of about 13 s. Safe to repeat: a start is named after the video (same name and input = the same
 * execution) and a stop of a stopped execution changes nothing.
 */
export const SFN_MAX_ATTEMPTS = 8;

/** Step Functions client. */
export const sfn = tracer.captureAWSv3Client(new SFNClient({ region, maxAttempts: SFN_MAX_ATTEMPTS }));
