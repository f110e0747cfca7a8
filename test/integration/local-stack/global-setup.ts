import type { TestProject } from 'vitest/node';
import { startLocalStackProcess } from '../../helpers/local-stack';

/**
 * Starts one local stack for the whole integration project and provides its addresses to every test file
 * (`useLocalStack()` from test/helpers/local-stack.ts); stops it after the last file.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Every integration file shares this stack's one process; on a busy 2-core machine an API call can wait longer
  // for its event loop than a Lambda in its own sandbox would, so timeouts are scaled (LOCAL_LAMBDA_TIMEOUT_FACTOR).
  // The openai SDK test serves reference images from a local http server on `localhost`, which only this stack
  // lets an image_url reach; 127.0.0.1 and 169.254.169.254 stay refused here too.
  const stack = await startLocalStackProcess({
    env: {
      LOCAL_LAMBDA_TIMEOUT_FACTOR: '3',
      LOCAL_IMAGE_URL_ALLOW_PRIVATE_HOSTS: 'localhost',
    },
  });
  project.provide('localStack', {
    baseUrl: stack.baseUrl,
    emulatorUrl: stack.emulatorUrl,
    emulatorOrigin: stack.emulatorOrigin,
    sfnEndpoint: stack.sfnEndpoint,
    stateMachineArn: stack.stateMachineArn,
    dynamodbEndpoint: stack.dynamodbEndpoint,
    s3Endpoint: stack.s3Endpoint,
    secretsManagerEndpoint: stack.secretsManagerEndpoint,
    dataDir: stack.dataDir,
    issuer: stack.issuer,
  });
  return () => stack.stop();
}
