import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { DynamoAuditLog } from '../../shared/audit/audit';
import { ddb } from '../../shared/aws/dynamodb';
import { parseEnv } from '../../shared/config';
import { httpApi } from '../../shared/http/api-middlewares';
import { httpErrorEnvelope } from '../../shared/http/error-envelope';
import { json } from '../../shared/http/responses';
import type { ApiContext, ApiEvent, ApiResult } from '../../shared/http/types';
import { logger, metrics } from '../../shared/observability/powertools';
import { getAuditEnvSchema } from './env';
import { type GetAuditDeps, getAudit } from './get-audit';
import { parseGetAuditRequest } from './schema';

const env = parseEnv(getAuditEnvSchema);

const deps: GetAuditDeps = { audit: new DynamoAuditLog(ddb, env.TABLE_NAME), clock: () => new Date() };

/** GET /v1/admin/audit?user_id=&month=&limit=&after= → 200 a list of audit records, newest first (role finance). */
export const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(httpApi({ logger }))
  .use(httpErrorEnvelope({ logger }))
  .handler(async (event, context) => json(200, await getAudit(parseGetAuditRequest(event, context.caller), deps)));
