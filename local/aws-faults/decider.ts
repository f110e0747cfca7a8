import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { FAULT_SERVICES, type FaultKind, type FaultService, type ServiceFaults } from './config';

/** Decides, request by request, whether a service's call gets a fault and which one. */
export interface FaultDecider<S extends FaultService = FaultService> {
  /**
   * The fault for the next call, or undefined to let it through. `applicable` narrows the kinds to those that make
   * sense for this call (e.g. a transaction conflict only for TransactWriteItems); default all configured kinds.
   * `rateFactor` multiplies the service's rate for this call (capped at 1); default 1.
   */
  next(applicable?: readonly FaultKind<S>[], rateFactor?: number): FaultKind<S> | undefined;
}

/**
 * A seeded decider: one draw against the rate per call, then one draw among the configured kinds that apply, those
 * not drawn yet first: a short run with few faults on a service (Secrets Manager sees a few dozen calls) still gets
 * every kind, where a uniform draw missed one in about eight runs. The same seed gives the same sequence of
 * decisions; each service has its own generator, so one service's traffic does not shift another's sequence.
 */
export function seededDecider<S extends FaultService>(
  service: S,
  faults: ServiceFaults<S>,
  seed: number,
): FaultDecider<S> {
  const rng = xoroshiro128plus((seed * 31 + FAULT_SERVICES.indexOf(service)) | 0);
  const drawn = new Set<FaultKind<S>>();
  return {
    next(applicable, rateFactor = 1) {
      const kinds = applicable ? faults.kinds.filter((kind) => applicable.includes(kind)) : faults.kinds;
      const fresh = kinds.filter((kind) => !drawn.has(kind));
      if (faults.everyKindFirst === true && fresh.length > 0) {
        drawn.add(fresh[0]!);
        return fresh[0];
      }
      const rate = Math.min(1, faults.rate * rateFactor);
      if (rate <= 0 || uniformFloat64(rng) >= rate) return undefined;
      if (kinds.length === 0) return undefined;
      const pool = fresh.length > 0 ? fresh : kinds;
      const kind = pool[uniformInt(rng, 0, pool.length - 1)]!;
      drawn.add(kind);
      return kind;
    },
  };
}

/** A decider that plays a script (test aid): the nth call gets the nth entry; past the end, no fault. */
export function scriptedDecider<S extends FaultService>(
  script: ReadonlyArray<FaultKind<S> | undefined>,
): FaultDecider<S> {
  let call = 0;
  return {
    next(applicable) {
      const kind = script[call++];
      return kind !== undefined && (!applicable || applicable.includes(kind)) ? kind : undefined;
    },
  };
}
