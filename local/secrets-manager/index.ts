/**
 * The local Secrets Manager: the template's `AWS::SecretsManager::Secret` resources, created at the ARNs the template
 * resolves to (the ones the functions' environments carry), served over the Secrets Manager API so that functions
 * read them through the SDK exactly as in AWS.
 */
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import type { LocalTemplate } from '../template/resolve';
import { startSecretsManagerServer } from './server';
import { SecretStore } from './store';

/** The running local Secrets Manager. */
export interface LocalSecretsManager {
  /** What `AWS_ENDPOINT_URL_SECRETS_MANAGER` points at. */
  url: string;
  /** The ARNs of the template's secrets. */
  arns: string[];
  /**
   * Sets `fields` in the JSON value of the secret `arn` (a new version only when something changes, so restarts do
   * not pile versions up).
   */
  merge(arn: string, fields: Record<string, string>): Promise<void>;
  /** The JSON value of the secret `arn` (its current version); `{}` when it is not a JSON object. */
  read(arn: string): Record<string, unknown>;
  close(): Promise<void>;
}

/**
 * Opens the secrets kept under `<dataDir>/secretsmanager`, creates each template secret that is not there yet (with
 * its `SecretString`, or a value generated from its `GenerateSecretString` as CloudFormation would), and serves them.
 */
export async function startLocalSecretsManager(options: {
  dataDir: string;
  template: LocalTemplate;
  port?: number;
}): Promise<LocalSecretsManager> {
  const store = await SecretStore.open(join(options.dataDir, 'secretsmanager', 'secrets.json'));
  const arns: string[] = [];
  for (const { stackName, logicalId, resource } of options.template.resourcesOfType('AWS::SecretsManager::Secret')) {
    const arn = options.template.physicalName(stackName, logicalId);
    arns.push(arn);
    if (store.find(arn)) continue;
    const props = (options.template.resolve(stackName, resource.Properties ?? {}) ?? {}) as SecretProperties;
    await store.create({
      arn,
      name: props.Name ?? logicalId,
      description: props.Description,
      value: { secretString: props.SecretString ?? generatedSecretString(props.GenerateSecretString ?? {}) },
    });
  }
  const server = await startSecretsManagerServer(store, options.port);
  return {
    url: server.url,
    arns,
    merge: async (arn, fields) => {
      const secret = store.get(arn);
      const current = store.version(secret, {}).secretString;
      const value = current === undefined ? {} : (JSON.parse(current) as Record<string, unknown>);
      if (Object.entries(fields).every(([key, field]) => value[key] === field)) return;
      await store.put(arn, { secretString: JSON.stringify({ ...value, ...fields }) });
    },
    read: (arn) => {
      const current = store.version(store.get(arn), {}).secretString;
      try {
        const value = current === undefined ? {} : (JSON.parse(current) as unknown);
        return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
      } catch {
        return {};
      }
    },
    close: async () => {
      await server.close();
      await store.flush();
    },
  };
}

/** The `AWS::SecretsManager::Secret` properties the local stand-in honours. */
interface SecretProperties {
  Name?: string;
  Description?: string;
  SecretString?: string;
  GenerateSecretString?: GenerateSecretString;
}

interface GenerateSecretString {
  SecretStringTemplate?: string;
  GenerateStringKey?: string;
  PasswordLength?: number;
  ExcludeCharacters?: string;
  ExcludePunctuation?: boolean;
  ExcludeUppercase?: boolean;
  ExcludeLowercase?: boolean;
  ExcludeNumbers?: boolean;
  IncludeSpace?: boolean;
}

/** A random password per CloudFormation's `GenerateSecretString`, placed under its key in the JSON template if any. */
function generatedSecretString(options: GenerateSecretString): string {
  const groups = [
    options.ExcludeUppercase ? '' : 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
    options.ExcludeLowercase ? '' : 'abcdefghijklmnopqrstuvwxyz',
    options.ExcludeNumbers ? '' : '0123456789',
    options.ExcludePunctuation ? '' : '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
    options.IncludeSpace ? ' ' : '',
  ];
  const excluded = new Set(options.ExcludeCharacters ?? '');
  const alphabet = [...groups.join('')].filter((character) => !excluded.has(character));
  if (alphabet.length === 0) throw new Error('GenerateSecretString leaves no characters to generate from');
  const length = Number(options.PasswordLength ?? 32);
  const password = Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
  if (options.SecretStringTemplate === undefined || options.GenerateStringKey === undefined) return password;
  const template = JSON.parse(options.SecretStringTemplate) as Record<string, unknown>;
  return JSON.stringify({ ...template, [options.GenerateStringKey]: password });
}
