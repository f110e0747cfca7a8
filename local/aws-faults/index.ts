import type { AwsFaultsConfig, FaultKind, FaultService, ProxiedService } from './config';
import { type AwsFaultsSnapshot, FaultCounters } from './counters';
import { type FaultDecider, seededDecider } from './decider';
import { type RunningFaultProxy, startFaultProxy } from './proxy';

export { type AwsFaultsConfig, AwsFaultsConfigError, FAULT_KINDS, parseAwsFaults } from './config';
export type { AwsFaultsSnapshot } from './counters';
export { lambdaInvokeFault } from './lambda';

/** The local stack's AWS fault layer: one proxy per proxied service, the Lambda decider, and the counters. */
export interface AwsFaultLayer {
  /** Starts the fault proxy in front of `upstream` and returns its URL (what the functions are given). */
  proxy(service: ProxiedService, upstream: string): Promise<string>;
  /** Decides the Lambda faults of the local engine's Task invokes (counted as `lambda:<kind>`). */
  lambda: FaultDecider<'lambda'>;
  /** The counters `GET /__local/aws-faults` answers with. */
  snapshot(): AwsFaultsSnapshot;
  close(): Promise<void>;
}

/** Deciders to use instead of the seeded ones (tests script exact faults with `scriptedDecider`). */
export type FaultDeciders = { [S in FaultService]?: FaultDecider<S> };

/** Builds the fault layer for a parsed `LOCAL_AWS_FAULTS`; no proxy runs until {@link AwsFaultLayer.proxy}. */
export function createAwsFaultLayer(config: AwsFaultsConfig, deciders: FaultDeciders = {}): AwsFaultLayer {
  const counters = new FaultCounters();
  const proxies: RunningFaultProxy[] = [];
  const decider = <S extends FaultService>(service: S): FaultDecider<S> =>
    (deciders[service] as FaultDecider<S> | undefined) ?? seededDecider(service, config.services[service], config.seed);
  const lambda = decider('lambda');
  return {
    async proxy(service, upstream) {
      const running = await startFaultProxy({ service, upstream, decider: decider(service), counters });
      proxies.push(running);
      return running.url;
    },
    lambda: {
      next(applicable?: readonly FaultKind<'lambda'>[]) {
        counters.request('lambda');
        const kind = lambda.next(applicable);
        if (kind !== undefined) counters.fault('lambda', kind);
        return kind;
      },
    },
    snapshot: () => counters.snapshot(),
    close: async () => {
      await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
    },
  };
}
