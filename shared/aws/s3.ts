import { S3Client } from '@aws-sdk/client-s3';
import { region } from './region';
import { s3Addressing } from './s3-addressing';

/** Module-scope S3 client (traced where the handler wraps it, shared/observability/tracing.ts); path-style addressing only when S3_FORCE_PATH_STYLE=true (s3rver locally). */
export const s3 = new S3Client({ region, forcePathStyle: s3Addressing().forcePathStyle });
