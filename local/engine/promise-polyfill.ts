/**
 * aws-local-stepfunctions 3 calls `Promise.withResolvers` (Node 22+). The machines run Node 20, so the local engine,
 * and only the local engine, installs this polyfill before it runs a state machine.
 */
export function installPromiseWithResolvers(): void {
  const promise = Promise as unknown as { withResolvers?: unknown };
  if (typeof promise.withResolvers === 'function') return;
  promise.withResolvers = <T>() => {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const created = new Promise<T>((onResolve, onReject) => {
      resolve = onResolve;
      reject = onReject;
    });
    return { promise: created, resolve, reject };
  };
}
