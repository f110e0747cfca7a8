/**
 * How long an execution waits for the provider's webhook (WaitForProviderWebhook) before it falls back to polling.
 * The provider's jobs take about `expectedJobSeconds` (a policy constant: the video's model and length change it
 * less than the provider's load does); the wait is `timeoutFactor` times that, never under `minWaitSeconds`. It stays
 * `slotLeaseMarginSeconds` under the admission gate's slot lease: WaitForProviderWebhook renews the job's slot when the
 * wait starts and nothing renews it during the wait, so the slot cannot lapse while its job may still run; once the
 * wait times out, the polls renew it again.
 */
export const WEBHOOK_WAIT_POLICY = {
  expectedJobSeconds: 180,
  timeoutFactor: 1.5,
  minWaitSeconds: 30,
  /** The bound the whole-execution timeout and the deadline watch count (shared/pipeline/duration.ts). */
  maxWaitSeconds: 3600,
  slotLeaseMarginSeconds: 60,
} as const;

/**
 * The wait's TimeoutSeconds (whole seconds): `override` (PROVIDER_WEBHOOK_WAIT_SECONDS) or about 1.5× the expected job
 * time, under the slot lease less its margin, within [1, maxWaitSeconds].
 */
export function webhookWaitSeconds(
  slotLeaseSeconds: number,
  override?: number,
  policy: typeof WEBHOOK_WAIT_POLICY = WEBHOOK_WAIT_POLICY,
): number {
  const wanted =
    override ?? Math.max(policy.minWaitSeconds, Math.ceil(policy.expectedJobSeconds * policy.timeoutFactor));
  const underLease = Math.min(wanted, Math.floor(slotLeaseSeconds - policy.slotLeaseMarginSeconds));
  return Math.max(1, Math.min(policy.maxWaitSeconds, underLease));
}
