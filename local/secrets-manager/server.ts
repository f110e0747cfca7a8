import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listen, readBody, sendJson } from '../http';
import { type SecretStore, SecretsManagerApiError, type SecretVersion, type StoredSecret } from './store';

const TARGET_PREFIX = 'secretsmanager.';
const JSON_1_1 = 'application/x-amz-json-1.1';

type Request = Record<string, unknown>;
type Operation = (store: SecretStore, request: Request) => unknown;

/** The Secrets Manager operations the local endpoint serves (AWS JSON 1.1, as @aws-sdk/client-secrets-manager speaks it). */
const OPERATIONS: Record<string, Operation> = {
  CreateSecret: async (store, request) => {
    const { secret, version } = await store.create({
      name: required(request, 'Name'),
      description: optional(request, 'Description'),
      value: value(request),
      clientRequestToken: optional(request, 'ClientRequestToken'),
    });
    return { ARN: secret.arn, Name: secret.name, ...(version ? { VersionId: version.versionId } : {}) };
  },
  PutSecretValue: async (store, request) => {
    const stages = request.VersionStages;
    const { secret, version } = await store.put(optional(request, 'SecretId'), value(request), {
      clientRequestToken: optional(request, 'ClientRequestToken'),
      stages: Array.isArray(stages) ? stages.map(String) : undefined,
    });
    return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId, VersionStages: version.stages };
  },
  GetSecretValue: (store, request) => {
    const secret = store.get(optional(request, 'SecretId'));
    const version = store.version(secret, {
      versionId: optional(request, 'VersionId'),
      stage: optional(request, 'VersionStage'),
    });
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      ...(version.secretString === undefined ? {} : { SecretString: version.secretString }),
      ...(version.secretBinary === undefined ? {} : { SecretBinary: version.secretBinary }),
      VersionStages: version.stages,
      CreatedDate: seconds(version.createdDate),
    };
  },
  DescribeSecret: (store, request) => describe(store.get(optional(request, 'SecretId'))),
  // Every secret in one page: the local stack holds a handful.
  ListSecrets: (store) => ({ SecretList: store.list().map(describe) }),
};

/** The local Secrets Manager endpoint: what `AWS_ENDPOINT_URL_SECRETS_MANAGER` points at. */
export interface SecretsManagerServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `store` over the Secrets Manager API on `port` (0 = a free one). */
export async function startSecretsManagerServer(store: SecretStore, port = 0): Promise<SecretsManagerServer> {
  const server = createServer((request, response) => {
    void handle(store, request, response);
  });
  const actualPort = await listen(server, port);
  return { url: `http://127.0.0.1:${actualPort}`, close: () => closeServer(server) };
}

async function handle(store: SecretStore, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const target = String(request.headers['x-amz-target'] ?? '');
  const operation = target.startsWith(TARGET_PREFIX) ? OPERATIONS[target.slice(TARGET_PREFIX.length)] : undefined;
  try {
    if (request.method !== 'POST' || !operation) {
      throw new UnknownOperationError(`The local Secrets Manager does not serve ${target || request.method}`);
    }
    const body = await readBody(request, 1024 * 1024);
    const input = body.length === 0 ? {} : (JSON.parse(body.toString('utf8')) as Request);
    sendJson(response, 200, await operation(store, input), { 'content-type': JSON_1_1 });
  } catch (error) {
    const known = error instanceof SecretsManagerApiError || error instanceof UnknownOperationError;
    const code = known ? error.name : error instanceof SyntaxError ? 'SerializationException' : 'InternalServiceError';
    if (code === 'InternalServiceError') console.error('local secrets manager:', error);
    // Secrets Manager spells the message field `Message`; the SDK reads the code from the header or `__type`.
    sendJson(
      response,
      code === 'InternalServiceError' ? 500 : 400,
      { __type: code, Message: (error as Error).message },
      { 'content-type': JSON_1_1, 'x-amzn-errortype': code },
    );
  }
}

/** A target this endpoint does not serve (AWS answers the same code for an operation it does not know). */
class UnknownOperationError extends Error {
  override name = 'UnknownOperationException' as const;
}

function describe(secret: StoredSecret): Record<string, unknown> {
  return {
    ARN: secret.arn,
    Name: secret.name,
    ...(secret.description === undefined ? {} : { Description: secret.description }),
    CreatedDate: seconds(secret.createdDate),
    LastChangedDate: seconds(secret.lastChangedDate),
    VersionIdsToStages: Object.fromEntries(
      secret.versions.map((version: SecretVersion) => [version.versionId, version.stages]),
    ),
  };
}

function value(request: Request): { secretString?: string; secretBinary?: string } {
  const secretString = optional(request, 'SecretString');
  const secretBinary = optional(request, 'SecretBinary');
  if (secretString !== undefined && secretBinary !== undefined) {
    throw new SecretsManagerApiError('InvalidParameterException', 'You can only specify SecretString or SecretBinary.');
  }
  return {
    ...(secretString === undefined ? {} : { secretString }),
    ...(secretBinary === undefined ? {} : { secretBinary }),
  };
}

function optional(request: Request, field: string): string | undefined {
  const raw = request[field];
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string')
    throw new SecretsManagerApiError('InvalidParameterException', `${field} must be a string.`);
  return raw;
}

function required(request: Request, field: string): string {
  const raw = optional(request, field);
  if (!raw) throw new SecretsManagerApiError('InvalidParameterException', `You must provide ${field}.`);
  return raw;
}

/** The JSON protocols carry timestamps as epoch seconds. */
function seconds(epochMs: number): number {
  return epochMs / 1000;
}
