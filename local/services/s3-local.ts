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
  const resources = options.template.resourcesOfType('AWS::S3::Bucket');
  const buckets = resources.map(({ stackName, logicalId }) => options.template.physicalName(stackName, logicalId));
  // The template's CORS rules, as s3rver takes them (the S3 API's XML), so browsers reach local buckets as in AWS.
  const configureBuckets = resources.map((resource, index) => {
    const cors = corsXml(resource.resource.Properties?.CorsConfiguration as CorsConfiguration | undefined);
    return { name: buckets[index]!, ...(cors === undefined ? {} : { configs: [cors] }) };
  });
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets,
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

interface CorsConfiguration {
  CorsRules?: Array<{
    AllowedMethods?: string[];
    AllowedOrigins?: string[];
    AllowedHeaders?: string[];
    ExposedHeaders?: string[];
    MaxAge?: number;
  }>;
}

/** A bucket's `CorsConfiguration` (CloudFormation) as the S3 API's CORSConfiguration XML; undefined for none. */
export function corsXml(configuration: CorsConfiguration | undefined): string | undefined {
  const rules = configuration?.CorsRules ?? [];
  if (rules.length === 0) return undefined;
  const element = (name: string, values: readonly string[] | undefined) =>
    (values ?? []).map((value) => `<${name}>${value}</${name}>`).join('');
  const xmlRules = rules.map(
    (rule) =>
      `<CORSRule>${element('AllowedMethod', rule.AllowedMethods)}${element('AllowedOrigin', rule.AllowedOrigins)}` +
      `${element('AllowedHeader', rule.AllowedHeaders)}${element('ExposeHeader', rule.ExposedHeaders)}` +
      `${rule.MaxAge === undefined ? '' : `<MaxAgeSeconds>${rule.MaxAge}</MaxAgeSeconds>`}</CORSRule>`,
  );
  return `<CORSConfiguration>${xmlRules.join('')}</CORSConfiguration>`;
}
