import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import S3rver from 's3rver';
import type { LocalTemplate } from '../template/resolve';

/** s3rver, in-process, path-style, with its objects under `<dataDir>/s3`. */
export interface RunningS3Local {
  endpoint: string;
  buckets: string[];
  stop(): Promise<void>;
}

/** Starts s3rver with every `AWS::S3::Bucket` of the template (creating a bucket that exists keeps its objects). */
export async function startS3Local(options: {
  dataDir: string;
  port: number;
  template: LocalTemplate;
}): Promise<RunningS3Local> {
  const directory = join(options.dataDir, 's3');
  await mkdir(directory, { recursive: true });
  const buckets = options.template
    .resourcesOfType('AWS::S3::Bucket')
    .map(({ stackName, logicalId }) => options.template.physicalName(stackName, logicalId));
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    buckets,
    stop: async () => {
      server.httpServer?.closeAllConnections();
      await server.close();
    },
  };
}
