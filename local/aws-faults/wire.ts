import { randomBytes, randomUUID } from 'node:crypto';
import type { FaultKind } from './config';

/** An error answer as the service sends it on the wire. */
export interface WireError {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const DYNAMODB_ERRORS = {
  throughput: {
    status: 400,
    type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    message:
      'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  },
  throttle: {
    status: 400,
    type: 'com.amazon.coral.availability#ThrottlingException',
    message: 'Rate of requests exceeds the allowed throughput.',
  },
  internal: {
    status: 500,
    type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
    message: 'Internal server error',
  },
} as const;

function awsJson(status: number, body: Record<string, unknown>, version = '1.0'): WireError {
  const text = JSON.stringify(body);
  return {
    status,
    headers: {
      'content-type': `application/x-amz-json-${version}`,
      'content-length': String(Buffer.byteLength(text)),
      'x-amzn-requestid': randomUUID(),
    },
    body: text,
  };
}

/**
 * A DynamoDB error (AWS JSON 1.0, `__type` as DynamoDB spells it). A transaction conflict needs the number of
 * `TransactItems`: DynamoDB answers one cancellation reason per item, `TransactionConflict` for the one in conflict.
 */
export function dynamodbError(kind: Exclude<FaultKind<'dynamodb'>, 'reset' | 'lost'>, transactItems = 1): WireError {
  if (kind === 'transaction-conflict') {
    const conflicting = transactItems - 1;
    const reasons = Array.from({ length: Math.max(1, transactItems) }, (_, index) =>
      index === conflicting
        ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }
        : { Code: 'None' },
    );
    return awsJson(400, {
      __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
      message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((reason) => reason.Code).join(', ')}]`,
      CancellationReasons: reasons,
    });
  }
  const error = DYNAMODB_ERRORS[kind];
  return awsJson(error.status, { __type: error.type, message: error.message });
}

/** Step Functions' throttling answer (AWS JSON 1.0). */
export function sfnError(kind: Exclude<FaultKind<'sfn'>, 'reset' | 'lost'>): WireError {
  switch (kind) {
    case 'throttle':
      return awsJson(400, { __type: 'ThrottlingException', message: 'Rate exceeded' });
  }
}

/** Secrets Manager's throttling and internal-error answers (AWS JSON 1.1). */
export function secretsManagerError(kind: Exclude<FaultKind<'secretsmanager'>, 'reset' | 'lost'>): WireError {
  switch (kind) {
    case 'throttle':
      return awsJson(400, { __type: 'ThrottlingException', message: 'Rate exceeded' }, '1.1');
    case 'internal':
      return awsJson(500, { __type: 'InternalServiceError', message: 'An error occurred on the server side.' }, '1.1');
  }
}

const S3_ERRORS = {
  slowdown: { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' },
  internal: { status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' },
} as const;

/** An S3 error document (REST-XML), with S3's request id headers; a HEAD answer has no body, as in S3. */
export function s3Error(kind: Exclude<FaultKind<'s3'>, 'reset' | 'lost'>, method: string, resource: string): WireError {
  const error = S3_ERRORS[kind];
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const hostId = randomBytes(48).toString('base64');
  const body =
    method === 'HEAD'
      ? ''
      : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code><Message>${error.message}</Message><Resource>${escapeXml(resource)}</Resource><RequestId>${requestId}</RequestId><HostId>${hostId}</HostId></Error>`;
  return {
    status: error.status,
    headers: {
      'content-type': 'application/xml',
      'content-length': String(Buffer.byteLength(body)),
      'x-amz-request-id': requestId,
      'x-amz-id-2': hostId,
    },
    body,
  };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);
}
