import { region } from './region';

/**
 * How presigned URLs address objects, from the settings the S3 client in ./s3.ts reads too: the SDK's
 * AWS_ENDPOINT_URL_S3 (unset in AWS) and S3_FORCE_PATH_STYLE (s3rver locally). Its own module, so code that signs
 * without the client (shared/storage/content-signer.ts) does not bundle it.
 */
export function s3Addressing(): { region: string; endpoint?: string; forcePathStyle: boolean } {
  const endpoint = process.env.AWS_ENDPOINT_URL_S3;
  return {
    region: region ?? 'us-east-1',
    ...(endpoint === undefined || endpoint === '' ? {} : { endpoint }),
    forcePathStyle: process.env.S3_FORCE_PATH_STYLE === 'true',
  };
}
