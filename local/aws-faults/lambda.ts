import { randomUUID } from 'node:crypto';
import type { FaultKind } from './config';

/** Step Functions' Error for a Lambda service failure of the invoke itself (the handler never ran). */
export class LambdaServiceException extends Error {
  override name = 'Lambda.ServiceException' as const;
}

/** Step Functions' Error when Lambda throttled the invoke (the handler never ran). */
export class LambdaTooManyRequestsException extends Error {
  override name = 'Lambda.TooManyRequestsException' as const;
}

/**
 * The error a Task sees when Lambda's Invoke API itself fails: `Error` is the exception prefixed with `Lambda.`,
 * `Cause` the SDK's message as Step Functions shows it (the library takes an error's message as Cause).
 */
export function lambdaInvokeFault(kind: Extract<FaultKind<'lambda'>, 'service' | 'too-many-requests'>): Error {
  const requestId = randomUUID();
  return kind === 'service'
    ? new LambdaServiceException(
        `Internal error (Service: AWSLambda; Status Code: 500; Error Code: ServiceException; Request ID: ${requestId}; Proxy: null)`,
      )
    : new LambdaTooManyRequestsException(
        `Rate Exceeded. (Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException; Request ID: ${requestId}; Proxy: null)`,
      );
}
