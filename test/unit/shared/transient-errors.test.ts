import {
  ConditionalCheckFailedException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { isTransientAwsError } from '../../../shared/aws/transient-errors';

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

describe('transient-errors', () => {
  it('returns true for throttling, server faults, 5xx answers and dropped connections', () => {
    expect(isTransientAwsError(new ProvisionedThroughputExceededException({ message: 'x', $metadata: {} }))).toBe(true);
    expect(isTransientAwsError(new InternalServerError({ message: 'x', $metadata: {} }))).toBe(true);
    const slowDown = new S3ServiceException({
      name: 'SlowDown',
      $fault: 'server',
      message: 'Please reduce your request rate.',
      $metadata: { httpStatusCode: 503 },
    });
    expect(isTransientAwsError(slowDown)).toBe(true);
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(isTransientAwsError(reset)).toBe(true);
    expect(isTransientAwsError(new Error('wrapped', { cause: reset }))).toBe(true);
  });

  it('returns true for a transaction cancelled only by conflicts or throttling', () => {
    expect(isTransientAwsError(cancelled('None', 'TransactionConflict'))).toBe(true);
    expect(isTransientAwsError(cancelled('ThrottlingError', 'None'))).toBe(true);
  });

  it('returns false when a condition failed, for client errors and for plain bugs', () => {
    expect(isTransientAwsError(cancelled('ConditionalCheckFailed', 'TransactionConflict'))).toBe(false);
    expect(
      isTransientAwsError(new ConditionalCheckFailedException({ message: 'x', $metadata: { httpStatusCode: 400 } })),
    ).toBe(false);
    expect(isTransientAwsError(new TypeError('undefined is not a function'))).toBe(false);
    expect(isTransientAwsError(undefined)).toBe(false);
  });
});
