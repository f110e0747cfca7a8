import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

/** An HTTP API (payload v2) request after the JSON body middleware: `body` is the parsed JSON (or undefined). */
export type ApiEvent = Omit<APIGatewayProxyEventV2WithJWTAuthorizer, 'body'> & { body?: unknown };

/** Every API handler answers a structured result. */
export type ApiResult = APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string> };

/** The authenticated caller, from the JWT the HTTP API authorizer verified. */
export interface Caller {
  userId: string;
  groups: string[];
}

/** The Lambda context plus the caller (set by the httpCaller middleware). */
export type ApiContext = Context & { caller: Caller };
