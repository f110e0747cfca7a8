import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../template/resolve';

/** An error the Secrets Manager API answers with; its `name` is the API's error code (the `__type` on the wire). */
export class SecretsManagerApiError extends Error {
  constructor(
    code:
      | 'ResourceNotFoundException'
      | 'ResourceExistsException'
      | 'InvalidParameterException'
      | 'InvalidRequestException',
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** One version of a secret; exactly one of the values is set. */
export interface SecretVersion {
  versionId: string;
  secretString?: string;
  /** Base64, as the JSON protocol carries a blob. */
  secretBinary?: string;
  /** Epoch ms. */
  createdDate: number;
  /** `AWSCURRENT`, `AWSPREVIOUS` and custom labels. */
  stages: string[];
}

/** A secret and its labelled versions. */
export interface StoredSecret {
  arn: string;
  name: string;
  description?: string;
  /** Epoch ms. */
  createdDate: number;
  lastChangedDate: number;
  versions: SecretVersion[];
}

/** A value to store: a string or a base64 blob. */
export interface SecretValue {
  secretString?: string | undefined;
  secretBinary?: string | undefined;
}

const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
/** The `-` and six characters AWS appends to a secret's name in its ARN; a partial ARN leaves them out. */
const ARN_SUFFIX = /-[A-Za-z0-9]{6}$/;

/**
 * The local Secrets Manager's secrets: in memory, written to one JSON file (mode 0600) after every change so they
 * survive a restart. Follows the service's rules for what the local stack and its tests use: ARNs end in `-` and
 * six random characters, a secret is found by name, ARN or ARN without that suffix, a put moves `AWSCURRENT` to the
 * new version and `AWSPREVIOUS` to the one it replaced, and a repeated `ClientRequestToken` is idempotent.
 */
export class SecretStore {
  private writes: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private readonly secrets: StoredSecret[],
  ) {}

  /** Opens the store kept in `file` (created on the first change). */
  static async open(file: string): Promise<SecretStore> {
    let secrets: StoredSecret[] = [];
    try {
      secrets = JSON.parse(await readFile(file, 'utf8')) as StoredSecret[];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return new SecretStore(file, secrets);
  }

  /** Every secret, oldest first. */
  list(): StoredSecret[] {
    return [...this.secrets];
  }

  /** The secret `secretId` names (name, ARN or partial ARN), or undefined. */
  find(secretId: string): StoredSecret | undefined {
    return this.secrets.find(
      (secret) =>
        secret.arn === secretId ||
        secret.name === secretId ||
        (ARN_SUFFIX.test(secret.arn) && secret.arn.slice(0, -7) === secretId),
    );
  }

  /** Like {@link find}, but throws the API's ResourceNotFoundException. */
  get(secretId: string | undefined): StoredSecret {
    const secret = secretId ? this.find(secretId) : undefined;
    if (!secret)
      throw new SecretsManagerApiError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  }

  /**
   * Creates a secret, with a first version when a value is given. `arn` is for secrets whose ARN is already known
   * (the template's); otherwise one is made as AWS makes it.
   */
  async create(input: {
    name: string;
    arn?: string;
    description?: string | undefined;
    value?: SecretValue;
    clientRequestToken?: string | undefined;
  }): Promise<{ secret: StoredSecret; version: SecretVersion | undefined }> {
    if (this.find(input.name) || (input.arn && this.find(input.arn))) {
      throw new SecretsManagerApiError(
        'ResourceExistsException',
        `The operation failed because the secret ${input.name} already exists.`,
      );
    }
    const now = Date.now();
    const secret: StoredSecret = {
      arn: input.arn ?? `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${input.name}-${suffix()}`,
      name: input.name,
      ...(input.description === undefined ? {} : { description: input.description }),
      createdDate: now,
      lastChangedDate: now,
      versions: [],
    };
    const version = hasValue(input.value) ? addVersion(secret, input.value, input.clientRequestToken, now) : undefined;
    this.secrets.push(secret);
    await this.persist();
    return { secret, version };
  }

  /** Stores a new version as `AWSCURRENT` (or under `stages`); the same token with the same value changes nothing. */
  async put(
    secretId: string | undefined,
    value: SecretValue,
    options: { clientRequestToken?: string | undefined; stages?: string[] | undefined } = {},
  ): Promise<{ secret: StoredSecret; version: SecretVersion }> {
    const secret = this.get(secretId);
    if (!hasValue(value)) {
      throw new SecretsManagerApiError(
        'InvalidRequestException',
        'You must provide either SecretString or SecretBinary.',
      );
    }
    const existing = secret.versions.find((version) => version.versionId === options.clientRequestToken);
    if (existing) {
      if (existing.secretString !== value.secretString || existing.secretBinary !== value.secretBinary) {
        throw new SecretsManagerApiError(
          'ResourceExistsException',
          `You can't modify an existing version, you can only create a new version.`,
        );
      }
      return { secret, version: existing };
    }
    const version = addVersion(secret, value, options.clientRequestToken, Date.now(), options.stages);
    await this.persist();
    return { secret, version };
  }

  /** The version named by id or stage (default `AWSCURRENT`). */
  version(
    secret: StoredSecret,
    selector: { versionId?: string | undefined; stage?: string | undefined },
  ): SecretVersion {
    const stage = selector.stage ?? (selector.versionId === undefined ? CURRENT : undefined);
    const version = secret.versions.find(
      (candidate) =>
        (selector.versionId === undefined || candidate.versionId === selector.versionId) &&
        (stage === undefined || candidate.stages.includes(stage)),
    );
    if (!version) {
      throw new SecretsManagerApiError(
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret value for staging label: ${stage ?? selector.versionId}`,
      );
    }
    return version;
  }

  /** Resolves once every change so far is on disk. */
  flush(): Promise<void> {
    return this.writes;
  }

  private persist(): Promise<void> {
    const snapshot = JSON.stringify(this.secrets);
    this.writes = this.writes.then(async () => {
      await mkdir(dirname(this.file), { recursive: true });
      const temporary = `${this.file}.tmp`;
      // The local provider key may be a real one: only this user may read it.
      await writeFile(temporary, snapshot, { mode: 0o600 });
      await rename(temporary, this.file);
    });
    return this.writes;
  }
}

function hasValue(value: SecretValue | undefined): value is SecretValue {
  return value?.secretString !== undefined || value?.secretBinary !== undefined;
}

/** Adds a version and moves its stages off older versions (a moved `AWSCURRENT` leaves `AWSPREVIOUS` behind). */
function addVersion(
  secret: StoredSecret,
  value: SecretValue,
  token: string | undefined,
  now: number,
  stages: string[] = [CURRENT],
): SecretVersion {
  const version: SecretVersion = {
    versionId: token ?? randomUUID(),
    ...(value.secretString === undefined ? {} : { secretString: value.secretString }),
    ...(value.secretBinary === undefined ? {} : { secretBinary: value.secretBinary }),
    createdDate: now,
    stages: [...stages],
  };
  for (const older of secret.versions) {
    const wasCurrent = older.stages.includes(CURRENT);
    older.stages = older.stages.filter((stage) => !stages.includes(stage));
    if (stages.includes(CURRENT)) {
      older.stages = older.stages.filter((stage) => stage !== PREVIOUS);
      if (wasCurrent) older.stages.push(PREVIOUS);
    }
  }
  // AWS deprecates versions without a label; the local store drops them.
  secret.versions = [...secret.versions.filter((older) => older.stages.length > 0), version];
  secret.lastChangedDate = now;
  return version;
}

/** The six characters AWS appends to a secret's name in its ARN. */
function suffix(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return Array.from(randomBytes(6), (byte) => alphabet[byte % alphabet.length]).join('');
}
