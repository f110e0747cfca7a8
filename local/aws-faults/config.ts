import { z } from 'zod';

/**
 * Every fault the local stack can inject, by service. Each wire kind answers with the error AWS itself sends (see
 * `wire.ts`); `reset` drops the connection without forwarding; `lost` forwards the request, lets the real service
 * apply it, then drops the connection before the answer reaches the caller.
 */
export const FAULT_KINDS = {
  dynamodb: ['throughput', 'throttle', 'internal', 'transaction-conflict', 'reset', 'lost'],
  s3: ['slowdown', 'internal', 'reset', 'lost'],
  sfn: ['throttle', 'reset', 'lost'],
  secretsmanager: ['throttle', 'internal', 'reset', 'lost'],
  /** In the local engine's Task invoke: `timeout-before` fails before the handler runs, `timeout-after` after. */
  lambda: ['service', 'too-many-requests', 'timeout-before', 'timeout-after'],
} as const;

/** A service the fault layer covers. */
export type FaultService = keyof typeof FAULT_KINDS;
/** A fault of one service, e.g. `FaultKind<'dynamodb'>` = `'throttle' | ...`. */
export type FaultKind<S extends FaultService = FaultService> = (typeof FAULT_KINDS)[S][number];
/** The services reached over HTTP, each through its own proxy. */
export type ProxiedService = Exclude<FaultService, 'lambda'>;

export const FAULT_SERVICES = Object.keys(FAULT_KINDS) as FaultService[];

const rate = z.number().min(0).max(1);

function serviceSchema<S extends FaultService>(service: S) {
  return z
    .strictObject({
      /** Overrides the top-level rate for this service. */
      rate: rate.optional(),
      /** The kinds to draw from (default: all of the service's). */
      kinds: z.array(z.enum(FAULT_KINDS[service])).min(1).optional(),
      /**
       * The service's first calls get one fault of each kind, in turn, before the rate applies: a short run on a
       * service with few calls (Secrets Manager) then injects every kind whatever the draws.
       */
      every_kind_first: z.boolean().optional(),
    })
    .optional();
}

const configSchema = z.strictObject({
  /** Probability that a request (or Task invoke) gets a fault, 0..1. */
  rate,
  /** Seeds the decisions: the same seed draws the same sequence of faults for each service. */
  seed: z.number().int(),
  dynamodb: serviceSchema('dynamodb'),
  s3: serviceSchema('s3'),
  sfn: serviceSchema('sfn'),
  secretsmanager: serviceSchema('secretsmanager'),
  lambda: serviceSchema('lambda'),
});

/** What one service injects: a rate and the kinds drawn from. */
export interface ServiceFaults<S extends FaultService = FaultService> {
  rate: number;
  kinds: readonly FaultKind<S>[];
  /** Fault the first calls with each kind once, in turn, before drawing against the rate. */
  everyKindFirst?: boolean;
}

/** `LOCAL_AWS_FAULTS`, parsed, with each service's rate and kinds filled in. */
export interface AwsFaultsConfig {
  seed: number;
  services: { [S in FaultService]: ServiceFaults<S> };
}

/** Thrown for a `LOCAL_AWS_FAULTS` that is not the JSON the local stack understands. */
export class AwsFaultsConfigError extends Error {
  override name = 'AwsFaultsConfigError' as const;
}

/**
 * Parses `LOCAL_AWS_FAULTS`: at least `{"rate":0.05,"seed":7}`, optionally per service
 * `{"dynamodb":{"rate":0.2,"kinds":["throttle"]}, "s3":..., "sfn":..., "secretsmanager":..., "lambda":...}`. Unset or empty: no faults.
 */
export function parseAwsFaults(raw: string | undefined): AwsFaultsConfig | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new AwsFaultsConfigError(`LOCAL_AWS_FAULTS is not JSON: ${raw}`);
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    throw new AwsFaultsConfigError(`LOCAL_AWS_FAULTS is invalid: ${z.prettifyError(parsed.error)}`);
  }
  const { seed, rate: defaultRate } = parsed.data;
  const service = <S extends FaultService>(name: S): ServiceFaults<S> => {
    const own = parsed.data[name] as { rate?: number; kinds?: FaultKind<S>[]; every_kind_first?: boolean } | undefined;
    return {
      rate: own?.rate ?? defaultRate,
      kinds: own?.kinds ?? FAULT_KINDS[name],
      ...(own?.every_kind_first === true ? { everyKindFirst: true } : {}),
    };
  };
  return {
    seed,
    services: {
      dynamodb: service('dynamodb'),
      s3: service('s3'),
      sfn: service('sfn'),
      secretsmanager: service('secretsmanager'),
      lambda: service('lambda'),
    },
  };
}
