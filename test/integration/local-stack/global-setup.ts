import type { TestProject } from 'vitest/node';
import { startLocalStackProcess } from '../../helpers/local-stack';

/**
 * Starts one local stack per worker of the integration project and provides their addresses to every test file; a
 * file uses its worker's (`useLocalStack()` from test/helpers/local-stack.ts, by VITEST_POOL_ID), so two files
 * running at once never share a stack. Stops them after the last file.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Every integration file shares its stack's one process; on a busy 2-core machine an API call can wait longer
  // for its event loop than a Lambda in its own sandbox would, so timeouts are scaled (LOCAL_LAMBDA_TIMEOUT_FACTOR).
  // The openai SDK test serves reference images from a local http server on `localhost`, which only this stack
  // lets an image_url reach; 127.0.0.1 and 169.254.169.254 stay refused here too.
  const workers = Math.max(1, Number(project.config.maxWorkers) || 1);
  const started = await Promise.allSettled(
    Array.from({ length: workers }, () =>
      startLocalStackProcess({
        env: {
          LOCAL_LAMBDA_TIMEOUT_FACTOR: '3',
          LOCAL_IMAGE_URL_ALLOW_PRIVATE_HOSTS: 'localhost',
        },
      }),
    ),
  );
  const stacks = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = started.find((result) => result.status === 'rejected');
  if (failure !== undefined) {
    // No teardown runs when the setup throws: stop the stacks that did start, or their processes outlive the run.
    await Promise.all(stacks.map((stack) => stack.stop()));
    throw failure.reason;
  }
  project.provide(
    'localStacks',
    stacks.map((stack) => ({
      baseUrl: stack.baseUrl,
      emulatorUrl: stack.emulatorUrl,
      emulatorOrigin: stack.emulatorOrigin,
      sfnEndpoint: stack.sfnEndpoint,
      stateMachineArn: stack.stateMachineArn,
      deliveryStateMachineArn: stack.deliveryStateMachineArn,
      dynamodbEndpoint: stack.dynamodbEndpoint,
      s3Endpoint: stack.s3Endpoint,
      secretsManagerEndpoint: stack.secretsManagerEndpoint,
      dataDir: stack.dataDir,
      issuer: stack.issuer,
    })),
  );
  return async () => {
    await Promise.all(stacks.map((stack) => stack.stop()));
  };
}
