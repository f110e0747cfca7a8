import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import { REPO_ROOT } from '../config';

/** Template metadata key naming the handler module (repo-relative); the local stack imports that module. */
export const HANDLER_METADATA_KEY = 'reelflow:handler';

/**
 * Packages swapped at bundling time: Lambda always supplies credentials in environment variables, so the SDK's
 * default credential chain becomes its environment link alone (shared/aws/lambda-credentials.ts; why:
 * docs/ARCHITECTURE.md, "What a function bundles").
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': join(REPO_ROOT, 'shared/aws/lambda-credentials.ts'),
};

/** Shims `require` for CommonJS dependencies inside the ESM bundle. */
const ESM_REQUIRE_SHIM = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

export interface AppFunctionProps
  extends Omit<NodejsFunctionProps, 'entry' | 'handler' | 'runtime' | 'architecture' | 'projectRoot' | 'logGroup'> {
  /** The handler's folder under `functions/` (verb-noun), e.g. `create-video`; also the Powertools service name. */
  readonly folder: string;
  /**
   * How long the function's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The one Lambda function shape of reelflow: `functions/<folder>/handler.ts` bundled as ESM with source maps,
 * nodejs22.x on arm64, X-Ray active tracing, its own log group with retention, and the Powertools environment
 * merged under the caller's. Environment variables for resources are added by the `bind*` helpers.
 */
export class AppFunction extends NodejsFunction {
  /** The handler's folder under `functions/`. */
  public readonly folder: string;
  /** Repo-relative path of the handler module, as written to the template metadata. */
  public readonly handlerModule: string;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    const { folder, logRetention, environment, bundling, ...rest } = props;
    const handlerModule = `functions/${folder}/handler.ts`;
    // A sibling, not a child: the log group must exist before super() runs.
    const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
      retention: logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      memorySize: 512,
      timeout: Duration.seconds(10),
      ...rest,
      entry: join(REPO_ROOT, handlerModule),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: folder,
        POWERTOOLS_METRICS_NAMESPACE: 'reelflow',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_SHIM,
        target: 'node22',
        minify: true,
        // Error classes are matched by `name` in Step Functions; keep names readable in stack traces too.
        keepNames: true,
        sourceMap: true,
        sourcesContent: false,
        // Bundle the SDK rather than use the runtime's copy: the same versions run in tests, locally and in Lambda.
        bundleAwsSDK: true,
        esbuildArgs: { '--alias': Object.entries(BUNDLE_ALIASES).map(([from, to]) => `${from}=${to}`) },
        ...bundling,
      },
    });
    this.folder = folder;
    this.handlerModule = handlerModule;
    (this.node.defaultChild as lambda.CfnFunction).addMetadata(HANDLER_METADATA_KEY, handlerModule);
    NagSuppressions.addResourceSuppressions(
      this,
      [
        {
          id: 'AwsSolutions-L1',
          reason: 'Pinned to nodejs22.x on purpose: the code is tested on Node 20 and 22, not on a newer runtime.',
        },
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Active tracing grants xray:PutTraceSegments and xray:PutTelemetryRecords, which support no ' +
            'resource-level permissions; every other grant is resource-scoped (infra/constructs/bindings.ts).',
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );
  }
}
