import type { CfnElement } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app';
import { PUBLIC_ROUTE_THROTTLES, STAGE_THROTTLE } from '../../infra/constructs/http-api';
import { maxPipelineSeconds, TASK_TIMEOUT_SECONDS } from '../../shared/pipeline/duration';
import { STATE_NAMES } from '../../state-machines/video-pipeline';
import { synthesizeApp } from './app-fixture';
import { resolveCfnString, stateMachineOf } from './asl';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is untyped; the assertions below check its shape.
type Resource = { Type: string; Properties: Record<string, any>; Metadata?: Record<string, unknown> };

const POWERTOOLS_ENV = [
  'NODE_OPTIONS',
  'POWERTOOLS_LOG_LEVEL',
  'POWERTOOLS_METRICS_NAMESPACE',
  'POWERTOOLS_SERVICE_NAME',
];
const XRAY = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
const SECRET = ['secretsmanager:GetSecretValue'];
const dynamo = (...actions: string[]) => actions.map((action) => `dynamodb:${action}`).sort();
/** The admission gate's settings (bindProviderGate): the provider's host names the gate, with its limits. */
const GATE_ENV = ['PROVIDER_BASE_URL', 'PROVIDER_MAX_CONCURRENT_JOBS', 'PROVIDER_REQUESTS_PER_MINUTE'];

/** Each function's env vars and permissions (by resource): exactly what its code uses, nothing more. */
const CONTRACT: Record<string, { env: string[]; grants: Record<string, string[]> }> = {
  'get-health': { env: [], grants: {} },
  'get-usage': { env: ['TABLE_NAME'], grants: { table: dynamo('GetItem') } },
  'get-costs': { env: ['TABLE_NAME'], grants: { table: dynamo('Query'), 'table/index/gsi2': dynamo('Query') } },
  'get-user-limits': { env: ['TABLE_NAME'], grants: { table: dynamo('GetItem') } },
  'put-user-limits': { env: ['TABLE_NAME'], grants: { table: dynamo('GetItem', 'UpdateItem', 'PutItem') } },
  'get-audit': { env: ['TABLE_NAME'], grants: { table: dynamo('Query'), 'table/index/gsi2': dynamo('Query') } },
  'erase-user': {
    env: ['TABLE_NAME'],
    grants: { table: dynamo('GetItem', 'PutItem', 'Query'), 'table/index/gsi1': dynamo('Query') },
  },
  'create-video': {
    env: ['BUCKET_NAME', 'IDEMPOTENCY_TABLE_NAME', 'MODEL_CATALOGUE', 'STATE_MACHINE_ARN', 'TABLE_NAME'],
    grants: {
      table: dynamo('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'ConditionCheckItem', 'Query'),
      idempotencyTable: dynamo('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'),
      stateMachine: ['states:StartExecution'],
      'bucket/videos/*': ['s3:DeleteObject', 's3:PutObject', 's3:PutObjectTagging'],
      'bucket/uploads/*': ['s3:GetObject'],
    },
  },
  'create-upload': {
    env: ['BUCKET_NAME', 'TABLE_NAME'],
    grants: { table: dynamo('UpdateItem'), 'bucket/uploads/*': ['s3:PutObject'] },
  },
  'get-video': {
    env: [...GATE_ENV, 'PROVIDER_SECRET_ARN', 'TABLE_NAME'],
    grants: { table: dynamo('GetItem', 'PutItem', 'UpdateItem'), secret: SECRET },
  },
  'list-videos': { env: ['TABLE_NAME'], grants: { table: dynamo('Query'), 'table/index/gsi1': dynamo('Query') } },
  'get-video-content': {
    env: ['BUCKET_NAME', 'TABLE_NAME'],
    grants: { table: dynamo('GetItem'), 'bucket/videos/*': ['s3:GetObject'] },
  },
  'get-openapi': { env: [], grants: {} },
  // The model catalogue is configuration: no grant.
  'list-models': { env: ['MODEL_CATALOGUE'], grants: {} },
  'get-model': { env: ['MODEL_CATALOGUE'], grants: {} },
  'remix-video': {
    env: ['IDEMPOTENCY_TABLE_NAME', 'MODEL_CATALOGUE', 'STATE_MACHINE_ARN', 'TABLE_NAME'],
    grants: {
      table: dynamo('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'),
      idempotencyTable: dynamo('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'),
      stateMachine: ['states:StartExecution'],
    },
  },
  'edit-video': {
    env: ['IDEMPOTENCY_TABLE_NAME', 'MODEL_CATALOGUE', 'STATE_MACHINE_ARN', 'TABLE_NAME'],
    grants: {
      table: dynamo('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'),
      idempotencyTable: dynamo('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'),
      stateMachine: ['states:StartExecution'],
    },
  },
  'extend-video': {
    env: ['IDEMPOTENCY_TABLE_NAME', 'MODEL_CATALOGUE', 'STATE_MACHINE_ARN', 'TABLE_NAME'],
    grants: {
      table: dynamo('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'),
      idempotencyTable: dynamo('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'),
      stateMachine: ['states:StartExecution'],
    },
  },
  'video-characters': { env: [], grants: {} },
  'cancel-video': {
    // The admission gate's name (the provider's host; leaving its line reads no limit): never the provider's secret.
    env: ['PROVIDER_BASE_URL', 'STATE_MACHINE_ARN', 'TABLE_NAME'],
    grants: {
      table: dynamo('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'),
      'stateMachine/executions': ['states:StopExecution'],
    },
  },
  'delete-video': {
    env: ['BUCKET_NAME', 'IDEMPOTENCY_TABLE_NAME', 'TABLE_NAME'],
    grants: {
      table: dynamo('GetItem', 'UpdateItem', 'PutItem'),
      idempotencyTable: dynamo('DeleteItem'),
      'bucket/videos/*': ['s3:DeleteObject'],
    },
  },
  'list-admin-videos': {
    env: ['TABLE_NAME'],
    grants: {
      table: dynamo('Query', 'BatchGetItem'),
      'table/index/gsi1': dynamo('Query'),
      'table/index/gsi3': dynamo('Query'),
    },
  },
  'get-video-execution': {
    env: ['STATE_MACHINE_ARN', 'TABLE_NAME'],
    grants: {
      table: dynamo('GetItem'),
      'stateMachine/executions': ['states:DescribeExecution', 'states:GetExecutionHistory'],
    },
  },
  'redrive-video': {
    env: ['STATE_MACHINE_ARN', 'TABLE_NAME'],
    grants: {
      table: dynamo('GetItem', 'PutItem'),
      'stateMachine/executions': ['states:DescribeExecution', 'states:GetExecutionHistory', 'states:RedriveExecution'],
    },
  },
  'create-generation-job': {
    env: ['BUCKET_NAME', ...GATE_ENV, 'PROVIDER_SECRET_ARN', 'PROVIDER_WEBHOOKS', 'TABLE_NAME'],
    grants: {
      table: dynamo('GetItem', 'PutItem', 'UpdateItem', 'Query'),
      secret: SECRET,
      'bucket/videos/*': ['s3:GetObject'],
    },
  },
  'poll-generation-job': {
    env: [...GATE_ENV, 'PROVIDER_SECRET_ARN', 'TABLE_NAME'],
    grants: { table: dynamo('GetItem', 'PutItem', 'UpdateItem'), secret: SECRET },
  },
  'store-video': {
    env: ['BUCKET_NAME', ...GATE_ENV, 'PROVIDER_SECRET_ARN', 'TABLE_NAME'],
    grants: {
      table: dynamo('UpdateItem', 'GetItem', 'PutItem'),
      'bucket/videos/*': ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject', 's3:PutObjectTagging'],
      secret: SECRET,
    },
  },
  'record-completion': {
    env: ['BUCKET_NAME', 'TABLE_NAME'],
    grants: {
      table: dynamo('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'),
      'bucket/videos/*': ['s3:PutObjectTagging'],
    },
  },
  'record-failure': {
    env: [...GATE_ENV, 'TABLE_NAME'],
    grants: { table: dynamo('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem') },
  },
  'wait-for-provider-webhook': {
    env: [...GATE_ENV, 'PROVIDER_SECRET_ARN', 'TABLE_NAME'],
    grants: {
      table: dynamo('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query'),
      secret: SECRET,
      stateMachine: ['states:SendTaskFailure', 'states:SendTaskHeartbeat', 'states:SendTaskSuccess'],
    },
  },
  'reconcile-work-items': {
    env: [...GATE_ENV, 'PROVIDER_SECRET_ARN', 'TABLE_NAME'],
    grants: {
      table: dynamo('Query', 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'),
      secret: SECRET,
    },
  },
  'erase-user-data': {
    env: ['BUCKET_NAME', 'IDEMPOTENCY_TABLE_NAME', ...GATE_ENV, 'STATE_MACHINE_ARN', 'TABLE_NAME'],
    grants: {
      table: dynamo('Query', 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'),
      'table/index/gsi1': dynamo('Query'),
      // Every object under the user's prefixes, their videos' idempotency records and executions.
      bucket: ['s3:ListBucket'],
      'bucket/videos/*': ['s3:DeleteObject'],
      'bucket/uploads/*': ['s3:DeleteObject'],
      idempotencyTable: dynamo('DeleteItem'),
      'stateMachine/executions': ['states:StopExecution'],
    },
  },
  'create-webhook-endpoint': {
    env: ['TABLE_NAME'],
    grants: { table: dynamo('GetItem', 'Query', 'PutItem', 'UpdateItem') },
  },
  'list-webhook-endpoints': { env: ['TABLE_NAME'], grants: { table: dynamo('Query') } },
  'get-webhook-endpoint': { env: ['TABLE_NAME'], grants: { table: dynamo('GetItem') } },
  'delete-webhook-endpoint': {
    env: ['TABLE_NAME'],
    grants: { table: dynamo('GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem') },
  },
  'rotate-webhook-secret': { env: ['TABLE_NAME'], grants: { table: dynamo('GetItem', 'UpdateItem') } },
  'list-webhook-deliveries': { env: ['TABLE_NAME'], grants: { table: dynamo('GetItem', 'Query') } },
  'receive-provider-webhook': {
    env: [...GATE_ENV, 'PROVIDER_SECRET_ARN', 'TABLE_NAME'],
    grants: {
      table: dynamo('GetItem', 'PutItem', 'DeleteItem', 'UpdateItem'),
      secret: SECRET,
      stateMachine: ['states:SendTaskFailure', 'states:SendTaskHeartbeat', 'states:SendTaskSuccess'],
    },
  },
  'dispatch-webhook-events': {
    env: ['DELIVERY_STATE_MACHINE_ARN', 'TABLE_NAME'],
    grants: {
      table: dynamo('Query', 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'),
      deliveryStateMachine: ['states:StartExecution'],
    },
  },
  'deliver-webhook': { env: ['TABLE_NAME'], grants: { table: dynamo('GetItem', 'UpdateItem') } },
};

const TASK_FUNCTIONS: Record<string, string> = {
  [STATE_NAMES.createGenerationJob]: 'create-generation-job',
  [STATE_NAMES.pollGenerationJob]: 'poll-generation-job',
  [STATE_NAMES.storeVideoInS3]: 'store-video',
  [STATE_NAMES.recordCompletion]: 'record-completion',
  [STATE_NAMES.recordFailure]: 'record-failure',
  [STATE_NAMES.waitForProviderWebhook]: 'wait-for-provider-webhook',
};

const ROUTES: Record<string, { folder: string; auth: 'JWT' | 'NONE' }> = {
  'GET /v1/health': { folder: 'get-health', auth: 'NONE' },
  'GET /v1/usage': { folder: 'get-usage', auth: 'JWT' },
  'GET /v1/admin/costs': { folder: 'get-costs', auth: 'JWT' },
  'GET /v1/admin/users/{userId}/limits': { folder: 'get-user-limits', auth: 'JWT' },
  'PUT /v1/admin/users/{userId}/limits': { folder: 'put-user-limits', auth: 'JWT' },
  'GET /v1/admin/audit': { folder: 'get-audit', auth: 'JWT' },
  'DELETE /v1/admin/users/{userId}': { folder: 'erase-user', auth: 'JWT' },
  'GET /v1/admin/videos': { folder: 'list-admin-videos', auth: 'JWT' },
  'GET /v1/admin/videos/{id}/execution': { folder: 'get-video-execution', auth: 'JWT' },
  'POST /v1/admin/videos/{id}/redrive': { folder: 'redrive-video', auth: 'JWT' },
  'POST /v1/videos': { folder: 'create-video', auth: 'JWT' },
  'GET /v1/videos': { folder: 'list-videos', auth: 'JWT' },
  'GET /v1/videos/{id}': { folder: 'get-video', auth: 'JWT' },
  'GET /v1/videos/{id}/content': { folder: 'get-video-content', auth: 'JWT' },
  'GET /v1/openapi.json': { folder: 'get-openapi', auth: 'NONE' },
  'GET /v1/models': { folder: 'list-models', auth: 'JWT' },
  'GET /v1/models/{id}': { folder: 'get-model', auth: 'JWT' },
  'POST /v1/videos/{id}/remix': { folder: 'remix-video', auth: 'JWT' },
  'POST /v1/videos/edits': { folder: 'edit-video', auth: 'JWT' },
  'POST /v1/videos/extensions': { folder: 'extend-video', auth: 'JWT' },
  'POST /v1/videos/characters': { folder: 'video-characters', auth: 'JWT' },
  'GET /v1/videos/characters/{id}': { folder: 'video-characters', auth: 'JWT' },
  'POST /v1/videos/{id}/cancel': { folder: 'cancel-video', auth: 'JWT' },
  'DELETE /v1/videos/{id}': { folder: 'delete-video', auth: 'JWT' },
  'POST /v1/uploads': { folder: 'create-upload', auth: 'JWT' },
  'POST /v1/webhook_endpoints': { folder: 'create-webhook-endpoint', auth: 'JWT' },
  'GET /v1/webhook_endpoints': { folder: 'list-webhook-endpoints', auth: 'JWT' },
  'GET /v1/webhook_endpoints/{id}': { folder: 'get-webhook-endpoint', auth: 'JWT' },
  'DELETE /v1/webhook_endpoints/{id}': { folder: 'delete-webhook-endpoint', auth: 'JWT' },
  'POST /v1/webhook_endpoints/{id}/rotate_secret': { folder: 'rotate-webhook-secret', auth: 'JWT' },
  'GET /v1/webhook_endpoints/{id}/deliveries': { folder: 'list-webhook-deliveries', auth: 'JWT' },
  'POST /v1/provider/webhooks': { folder: 'receive-provider-webhook', auth: 'NONE' },
};

/** Functions CDK itself adds for the web console: copying its bundle into the bucket, emptying that bucket. */
const CDK_OWNED_FUNCTION = /^(CustomCDKBucketDeployment|CustomS3AutoDeleteObjectsCustomResourceProvider)/;

describe('StatelessStack', () => {
  const { stateful, stateless, statelessTemplate: template } = synthesizeApp();
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
  const logicalIdInStateful = (construct: { node: { defaultChild?: unknown } }) =>
    stateful.getLogicalId(construct.node.defaultChild as CfnElement);
  const ids = {
    table: logicalIdInStateful(stateful.table),
    idempotencyTable: logicalIdInStateful(stateful.idempotencyTable),
    bucket: logicalIdInStateful(stateful.bucket),
    secret: logicalIdInStateful(stateful.providerSecret),
  };
  const stateMachineId = stateMachineOf(template, 'Pipeline').logicalId;
  const deliveryStateMachineId = stateMachineOf(template, 'WebhookDelivery').logicalId;

  /** logical id → folder, for every function carrying reelflow:handler metadata. */
  const functionFolders = new Map(
    ofType('AWS::Lambda::Function')
      .filter(([logicalId]) => !CDK_OWNED_FUNCTION.test(logicalId))
      .map(([logicalId, resource]) => {
        const handler = String(resource.Metadata?.['reelflow:handler']);
        return [logicalId, /^functions\/([a-z-]+)\/handler\.ts$/.exec(handler)?.[1] ?? `(bad metadata: ${handler})`];
      }),
  );
  const functionIdOf = (folder: string) => {
    const found = [...functionFolders].find(([, candidate]) => candidate === folder);
    if (!found) throw new Error(`no function for ${folder}`);
    return found[0];
  };

  /** Names the resource a policy statement targets, e.g. `table`, `table/index/gsi1`, `bucket/videos/*`. */
  const resourceKind = (resource: unknown): string => {
    const text = resolveCfnString(resource);
    if (text === '*') return '*';
    for (const [kind, id] of Object.entries(ids)) {
      const match = new RegExp(
        `^\\$\\{Import:ReelflowStateful:ExportsOutput(?:FnGetAtt${id}Arn|Ref${id})[0-9A-F]{8}\\}(.*)$`,
      ).exec(text);
      if (match) return `${kind}${match[1]}`;
    }
    if (text === `\${Ref:${stateMachineId}}`) return 'stateMachine';
    if (text === `\${Ref:${deliveryStateMachineId}}`) return 'deliveryStateMachine';
    const executions =
      `arn:\${Ref:AWS::Partition}:states:\${Ref:AWS::Region}:\${Ref:AWS::AccountId}:execution:` +
      `\${Select:6:Split(:):\${Ref:${stateMachineId}}}:*`;
    if (text === executions) return 'stateMachine/executions';
    return `unknown: ${text}`;
  };

  /** The actions a role is allowed, by resource kind. */
  const grantsOfRole = (roleId: string): Record<string, string[]> => {
    const grants: Record<string, Set<string>> = {};
    for (const [, policy] of ofType('AWS::IAM::Policy')) {
      const roles = (policy.Properties.Roles as Array<{ Ref: string }>).map((role) => role.Ref);
      if (!roles.includes(roleId)) continue;
      for (const statement of policy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>) {
        expect(statement.Effect).toBe('Allow');
        const actions = ([] as string[]).concat(statement.Action as string | string[]);
        for (const resource of ([] as unknown[]).concat(statement.Resource)) {
          grants[resourceKind(resource)] ??= new Set();
          for (const action of actions) grants[resourceKind(resource)]!.add(action);
        }
      }
    }
    return Object.fromEntries(Object.entries(grants).map(([kind, actions]) => [kind, [...actions].sort()]));
  };
  const roleIdOf = (functionId: string) => resources[functionId]!.Properties.Role['Fn::GetAtt'][0] as string;

  it('creates exactly the functions of the contract, each with reelflow:handler metadata', () => {
    expect([...functionFolders.values()].sort()).toEqual(Object.keys(CONTRACT).sort());
  });

  it('runs every function on nodejs22.x arm64 with active tracing and its own log group with retention', () => {
    for (const [logicalId, folder] of functionFolders) {
      const props = resources[logicalId]!.Properties;
      expect({ folder, runtime: props.Runtime, arch: props.Architectures, tracing: props.TracingConfig }).toEqual({
        folder,
        runtime: 'nodejs22.x',
        arch: ['arm64'],
        tracing: { Mode: 'Active' },
      });
      const logGroup = resources[props.LoggingConfig.LogGroup.Ref]!;
      expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
      expect(logGroup.Properties?.RetentionInDays, folder).toBeGreaterThan(0);
      expect(props.FunctionName, folder).toBeUndefined();
    }
  });

  it('sets exactly the contract env vars plus the Powertools defaults on each function', () => {
    for (const [logicalId, folder] of functionFolders) {
      const variables = resources[logicalId]!.Properties.Environment.Variables as Record<string, unknown>;
      expect({ folder, names: Object.keys(variables).sort() }).toEqual({
        folder,
        names: [...POWERTOOLS_ENV, ...CONTRACT[folder]!.env].sort(),
      });
      expect(variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: folder,
        POWERTOOLS_METRICS_NAMESPACE: 'reelflow',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
      if ('PROVIDER_BASE_URL' in variables) {
        expect(variables.PROVIDER_BASE_URL).toBe('https://video-provider.example.com/v1');
      }
    }
  });

  it('grants each function exactly the contract actions on the table, bucket, secret and state machine', () => {
    for (const [logicalId, folder] of functionFolders) {
      const grants = grantsOfRole(roleIdOf(logicalId));
      expect({ folder, grants }).toEqual({ folder, grants: { '*': XRAY, ...CONTRACT[folder]!.grants } });
    }
  });

  it('attaches no managed policy to a function role but AWSLambdaBasicExecutionRole', () => {
    for (const [logicalId, folder] of functionFolders) {
      const managed = (resources[roleIdOf(logicalId)]!.Properties.ManagedPolicyArns as unknown[]).map(resolveCfnString);
      expect({ folder, managed }).toEqual({
        folder,
        managed: [`arn:\${Ref:AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole`],
      });
    }
  });

  it('gives store-video 15 minutes and 1024 MB, provider tasks 60 s, and routes under the 30 s API limit', () => {
    for (const [logicalId, folder] of functionFolders) {
      const { Timeout, MemorySize } = resources[logicalId]!.Properties;
      if (folder === 'store-video') expect({ Timeout, MemorySize }).toEqual({ Timeout: 900, MemorySize: 1024 });
      // A route (the provider webhook receiver reads the provider too) answers within the API's 30 s.
      else if (Object.values(ROUTES).some((route) => route.folder === folder)) expect(Timeout, folder).toBeLessThan(30);
      else if (CONTRACT[folder]!.env.includes('PROVIDER_BASE_URL')) expect(Timeout, folder).toBe(60);
      else expect(Timeout, folder).toBeLessThanOrEqual(60);
    }
  });

  it('wires each task state to its function and lets the state machine invoke only those', () => {
    const { asl } = stateMachineOf(template, 'Pipeline');
    for (const [state, folder] of Object.entries(TASK_FUNCTIONS)) {
      if (state === STATE_NAMES.waitForProviderWebhook) {
        // The callback pattern: the function is the integration's FunctionName.
        const parameters = asl.States[state]?.Parameters as { FunctionName: unknown };
        expect(resolveCfnString(parameters.FunctionName), state).toBe(`\${GetAtt:${functionIdOf(folder)}.Arn}`);
      } else expect(asl.States[state]?.Resource, state).toBe(`\${GetAtt:${functionIdOf(folder)}.Arn}`);
    }
    const stateMachineRole = resources[stateMachineId]!.Properties.RoleArn['Fn::GetAtt'][0] as string;
    const invokable = ofType('AWS::IAM::Policy')
      .filter(([, policy]) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === stateMachineRole))
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>)
      .filter((statement) => statement.Action === 'lambda:InvokeFunction')
      .flatMap((statement) => ([] as unknown[]).concat(statement.Resource).map(resolveCfnString));
    const expected = Object.values(TASK_FUNCTIONS).flatMap((folder) => [
      `\${GetAtt:${functionIdOf(folder)}.Arn}`,
      `\${GetAtt:${functionIdOf(folder)}.Arn}:*`,
    ]);
    expect(invokable.sort()).toEqual(expected.sort());
  });

  it('gives each task function the timeout the pipeline duration (and so the deadline watch) counts with', () => {
    const folders: Record<keyof typeof TASK_TIMEOUT_SECONDS, string> = {
      createGenerationJob: 'create-generation-job',
      pollGenerationJob: 'poll-generation-job',
      storeVideo: 'store-video',
      recordCompletion: 'record-completion',
      recordFailure: 'record-failure',
      waitForProviderWebhook: 'wait-for-provider-webhook',
    };
    for (const [task, folder] of Object.entries(folders)) {
      const timeout = resources[functionIdOf(folder)]!.Properties.Timeout;
      expect(timeout, folder).toBe(TASK_TIMEOUT_SECONDS[task as keyof typeof TASK_TIMEOUT_SECONDS]);
    }
  });

  it('creates a Standard state machine with the longest-run timeout, X-Ray, and logs without execution data', () => {
    const { properties, asl } = stateMachineOf(template, 'Pipeline');
    expect(asl.TimeoutSeconds).toBe(maxPipelineSeconds());
    expect(properties).toMatchObject({
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { IncludeExecutionData: false, Level: expect.any(String) },
    });
    expect(['ALL', 'ERROR']).toContain((properties.LoggingConfiguration as { Level: string }).Level);
    expect(properties.StateMachineName).toBeUndefined();
  });

  it('routes every v1 route to its function, all behind the Cognito JWT authorizer except health, openapi.json and the provider webhook', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route');
    expect(routes.map(([, route]) => route.Properties?.RouteKey).sort()).toEqual(Object.keys(ROUTES).sort());
    const [[authorizerId]] = ofType('AWS::ApiGatewayV2::Authorizer') as [[string, Resource]];
    for (const [, route] of routes) {
      const { RouteKey, AuthorizationType, AuthorizerId, Target } = route.Properties;
      const expected = ROUTES[RouteKey]!;
      const integrationId = /^integrations\/\$\{Ref:(\w+)\}$/.exec(resolveCfnString(Target))?.[1];
      const uri = resolveCfnString(resources[integrationId!]!.Properties.IntegrationUri);
      expect({ RouteKey, AuthorizationType, uri }).toEqual({
        RouteKey,
        AuthorizationType: expected.auth,
        uri: `\${GetAtt:${functionIdOf(expected.folder)}.Arn}`,
      });
      expect(AuthorizerId, RouteKey).toEqual(expected.auth === 'JWT' ? { Ref: authorizerId } : undefined);
    }
  });

  it('validates JWTs issued by the user pool for the app client (audience = client id)', () => {
    const [[, authorizer]] = ofType('AWS::ApiGatewayV2::Authorizer') as [[string, Resource]];
    const { AuthorizerType, IdentitySource, JwtConfiguration } = authorizer.Properties;
    expect({ AuthorizerType, IdentitySource }).toEqual({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
    });
    const poolId = logicalIdInStateful(stateful.userPool);
    const clientId = logicalIdInStateful(stateful.userPoolClient);
    // The pool's ProviderURL attribute is https://cognito-idp.<region>.amazonaws.com/<pool id>, the tokens' `iss`.
    expect(resolveCfnString(JwtConfiguration.Issuer)).toMatch(
      new RegExp(`^\\$\\{Import:ReelflowStateful:ExportsOutputFnGetAtt${poolId}ProviderURL[0-9A-F]{8}\\}$`),
    );
    expect(JwtConfiguration.Audience.map(resolveCfnString)).toEqual([
      expect.stringMatching(new RegExp(`^\\$\\{Import:ReelflowStateful:ExportsOutputRef${clientId}[0-9A-F]{8}\\}$`)),
      // The web console's app client (managed login), made in this stack beside its distribution.
      `\${Ref:${stateless.getLogicalId(stateless.webConsole.client.node.defaultChild as CfnElement)}}`,
    ]);
  });

  it('throttles each public route on its own, below the stage, and creates those routes before the stage', () => {
    const [[stageId, stage]] = ofType('AWS::ApiGatewayV2::Stage') as [[string, Resource]];
    const publicKeys = Object.keys(ROUTES).filter((key) => ROUTES[key]!.auth === 'NONE');
    expect(publicKeys.sort()).toEqual(['GET /v1/health', 'GET /v1/openapi.json', 'POST /v1/provider/webhooks']);

    expect(stage.Properties.RouteSettings).toEqual({
      'GET /v1/health': { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
      'GET /v1/openapi.json': { ThrottlingRateLimit: 2, ThrottlingBurstLimit: 5 },
      'POST /v1/provider/webhooks': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    });
    for (const key of publicKeys) {
      const { rateLimit = 0, burstLimit = 0 } = PUBLIC_ROUTE_THROTTLES[key]!;
      expect(stage.Properties.RouteSettings[key], key).toEqual({
        ThrottlingRateLimit: rateLimit,
        ThrottlingBurstLimit: burstLimit,
      });
      expect(rateLimit, key).toBeLessThan(STAGE_THROTTLE.rateLimit!);
      expect(burstLimit, key).toBeLessThan(STAGE_THROTTLE.burstLimit!);
      // CloudFormation refuses route settings for a route key it has not created yet.
      const [routeId] = ofType('AWS::ApiGatewayV2::Route').find(([, route]) => route.Properties.RouteKey === key)!;
      expect((template.toJSON().Resources[stageId].DependsOn ?? []) as string[], key).toContain(routeId);
    }
  });

  it('serves a throttled, access-logged $default stage and answers CORS preflight', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('\\$context\\.requestId') },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: {
        AllowOrigins: ['*'],
        AllowHeaders: Match.arrayWith(['authorization', 'content-type', 'idempotency-key']),
        ExposeHeaders: Match.arrayWith(['location', 'retry-after', 'x-request-id']),
      },
    });
  });

  it('lets erase-user-data list the bucket only under the videos/ and uploads/ prefixes', () => {
    const roleId = roleIdOf(functionIdOf('erase-user-data'));
    const listings = ofType('AWS::IAM::Policy')
      .filter(([, policy]) => (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId))
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>)
      .filter((statement) => ([] as unknown[]).concat(statement.Action).includes('s3:ListBucket'));
    expect(listings.map((statement) => statement.Condition)).toEqual([
      { StringLike: { 's3:prefix': ['videos/*', 'uploads/*'] } },
    ]);
  });

  it('runs reconcile-work-items and erase-user-data every 15 minutes and dispatch-webhook-events every minute, one rule and target each', () => {
    const rules = ofType('AWS::Events::Rule');
    expect(rules).toHaveLength(3);
    const scheduleOf = (folder: string) => {
      const functionId = functionIdOf(folder);
      const arn = `\${GetAtt:${functionId}.Arn}`;
      const matching = rules.filter(([, rule]) =>
        rule.Properties.Targets.some((target: { Arn: unknown }) => resolveCfnString(target.Arn) === arn),
      );
      expect(matching).toHaveLength(1);
      const [[, rule]] = matching as [[string, Resource]];
      expect(rule.Properties.Targets).toHaveLength(1);
      const permissions = ofType('AWS::Lambda::Permission').filter(
        ([, permission]) => resolveCfnString(permission.Properties.FunctionName) === arn,
      );
      expect(permissions.map(([, permission]) => permission.Properties.Principal)).toEqual(['events.amazonaws.com']);
      return rule.Properties;
    };

    expect(scheduleOf('reconcile-work-items')).toMatchObject({
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
    });
    expect(scheduleOf('erase-user-data')).toMatchObject({
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
    });
    expect(scheduleOf('dispatch-webhook-events')).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
    });
  });

  it('delivers webhooks through their own state machine: a Wait loop around DeliverWebhook, logged without execution data', () => {
    const { properties, asl } = stateMachineOf(template, 'WebhookDelivery');

    expect(asl.StartAt).toBe('DeliverWebhook');
    expect(asl.States.IsWebhookDelivered?.Type).toBe('Choice');
    expect(asl.States.WaitBeforeRedelivery).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.delivery.waitSeconds',
      Next: 'DeliverWebhook',
    });
    expect(asl.States.WebhookDeliveryFailed?.Type).toBe('Fail');
    expect(String(resolveCfnString(asl.States.DeliverWebhook?.Resource))).toContain(functionIdOf('deliver-webhook'));
    expect(properties.LoggingConfiguration).toMatchObject({ IncludeExecutionData: false });
    // The 24-hour retry window fits in the execution's timeout.
    expect(asl.TimeoutSeconds).toBeGreaterThan(24 * 3600);
  });

  it('returns no synth warning or error in either stack (CDK annotations and template validation)', () => {
    for (const stack of [stateful, stateless]) {
      const annotations = Annotations.fromStack(stack);
      const messages = [
        ...annotations.findWarning('*', Match.anyValue()),
        ...annotations.findError('*', Match.anyValue()),
      ].map((message) => `${message.id}: ${String(message.entry.data).slice(0, 200)}`);
      expect({ stack: stack.stackName, messages }).toEqual({ stack: stack.stackName, messages: [] });
    }
  });

  it('throws one plain error at synth when the provider base URL is missing or not https', () => {
    for (const bad of [undefined, 'http://provider.example.com/v1', 'not a url']) {
      expect(() => buildApp({ context: { 'aws:cdk:bundling-stacks': [], 'reelflow:providerBaseUrl': bad } })).toThrow(
        /"reelflow:providerBaseUrl" must be an https URL/,
      );
    }
  });
});
