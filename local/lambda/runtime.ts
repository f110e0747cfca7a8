import { randomBytes, randomUUID } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { HANDLER_METADATA_KEY } from '../../infra/constructs/app-function';
import type { LocalTemplate } from '../template/resolve';

/** The repository root: `reelflow:handler` metadata paths are relative to it. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Variables that legitimately differ per function; the rest of every function's env must agree (one process). */
const PER_FUNCTION_VARIABLES = [
  'POWERTOOLS_SERVICE_NAME',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
];

/** A Lambda function of the template, as the local stack runs it. */
export interface LocalFunction {
  logicalId: string;
  functionName: string;
  arn: string;
  /** Absolute path of the handler module (from the `reelflow:handler` metadata). */
  handlerModule: string;
  /** The function's environment, resolved to local values. */
  environment: Record<string, string>;
  timeoutSeconds: number;
  memorySize: number;
}

type Handler = (event: unknown, context: Context) => unknown;

/**
 * Reads every `AWS::Lambda::Function` of the template with its resolved environment; `localize` adapts each
 * environment (e.g. swaps the provider secret for a local key).
 */
export function describeFunctions(
  template: LocalTemplate,
  localize: (environment: Record<string, string>) => Record<string, string>,
): LocalFunction[] {
  return template.resourcesOfType('AWS::Lambda::Function').flatMap(({ stackName, logicalId, resource }) => {
    const handler = resource.Metadata?.[HANDLER_METADATA_KEY];
    // Functions CDK adds by itself (custom resources, log retention) carry no handler metadata: they do not run here.
    if (typeof handler !== 'string') return [];
    const props = resource.Properties ?? {};
    const variables = template.resolve(stackName, (props.Environment as { Variables?: unknown })?.Variables ?? {});
    return [
      {
        logicalId,
        functionName: template.physicalName(stackName, logicalId),
        arn: template.attribute(stackName, logicalId, 'Arn'),
        handlerModule: resolve(REPO_ROOT, handler),
        environment: localize(stringValues(variables as Record<string, unknown>)),
        timeoutSeconds: Number(props.Timeout ?? 3),
        memorySize: Number(props.MemorySize ?? 128),
      },
    ];
  });
}

/** A thrown handler error as Lambda reports it: `errorType` is the error's `name`. */
export class LambdaInvocationError extends Error {
  constructor(
    readonly errorType: string,
    readonly errorMessage: string,
    readonly trace: string[],
  ) {
    super(errorMessage);
    this.name = errorType;
  }
}

/**
 * Runs the template's functions in this process: imports each handler module once (its "cold start", with its own
 * environment in place), then invokes `handler(event, context)` with a Lambda-like context and the function's timeout.
 */
export class LambdaRuntime {
  private readonly handlers = new Map<string, Handler>();
  private readonly byKey = new Map<string, LocalFunction>();

  constructor(readonly functions: LocalFunction[]) {
    for (const fn of functions) {
      for (const key of [fn.logicalId, fn.arn, fn.functionName]) this.byKey.set(key, fn);
    }
  }

  /**
   * Imports every handler module, each with its function's environment in `process.env` (module-scope code such as
   * env schemas and Powertools singletons reads it then), and leaves the variables all functions share in place.
   */
  async load(): Promise<void> {
    const base = { ...process.env };
    const shared: Record<string, string> = {};
    for (const fn of this.functions) {
      const environment = this.lambdaEnvironment(fn);
      for (const [name, value] of Object.entries(environment)) {
        if (PER_FUNCTION_VARIABLES.includes(name)) continue;
        if (name in shared && shared[name] !== value) {
          throw new Error(
            `Functions disagree on ${name}; the local stack runs them in one process and needs one value`,
          );
        }
        shared[name] = value;
      }
      Object.assign(process.env, environment);
      const module = (await import(pathToFileURL(fn.handlerModule).href)) as { handler?: unknown };
      if (typeof module.handler !== 'function') throw new Error(`${fn.handlerModule} does not export a handler`);
      this.handlers.set(fn.logicalId, module.handler as Handler);
      for (const name of PER_FUNCTION_VARIABLES) delete process.env[name];
    }
    Object.assign(process.env, base, shared);
  }

  /** The function named by a logical id, ARN or function name. */
  find(key: string): LocalFunction | undefined {
    return this.byKey.get(key);
  }

  /** Invokes a function; a thrown error comes back as a {@link LambdaInvocationError} named like Lambda's errorType. */
  async invoke(key: string, event: unknown): Promise<unknown> {
    const fn = this.byKey.get(key);
    const handler = fn && this.handlers.get(fn.logicalId);
    if (!fn || !handler) throw new Error(`No local function ${key}`);
    const deadline = Date.now() + fn.timeoutSeconds * 1000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(sandboxTimeout(fn)), fn.timeoutSeconds * 1000);
    });
    try {
      // A deep copy: Lambda's event is deserialized JSON, never the caller's own object.
      const payload = JSON.parse(JSON.stringify(event ?? null));
      const result = await Promise.race([
        Promise.resolve().then(() => handler(payload, lambdaContext(fn, deadline))),
        timedOut,
      ]);
      return result === undefined ? null : JSON.parse(JSON.stringify(result));
    } catch (error) {
      if (error instanceof LambdaInvocationError) throw error;
      const thrown = error instanceof Error ? error : new Error(String(error));
      throw new LambdaInvocationError(
        thrown.name,
        thrown.message,
        (thrown.stack ?? '')
          .split('\n')
          .slice(1)
          .map((line) => line.trim()),
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The error Lambda reports when the function `key` runs out of time (what {@link invoke} throws on a timeout);
   * the AWS fault layer throws it too, before or after a handler ran.
   */
  timedOut(key: string): LambdaInvocationError {
    const fn = this.byKey.get(key);
    if (!fn) throw new Error(`No local function ${key}`);
    return sandboxTimeout(fn);
  }

  private lambdaEnvironment(fn: LocalFunction): Record<string, string> {
    return {
      ...fn.environment,
      AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    };
  }
}

function sandboxTimeout(fn: LocalFunction): LambdaInvocationError {
  return new LambdaInvocationError(
    'Sandbox.Timedout',
    `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`,
    [],
  );
}

function lambdaContext(fn: LocalFunction, deadline: number): Context {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: String(fn.memorySize),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${fn.functionName}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function stringValues(variables: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, String(value)]));
}
