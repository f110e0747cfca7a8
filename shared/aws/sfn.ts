import { SFNClient } from '@aws-sdk/client-sfn';
import { tracer } from '../powertools';
import { region } from './region';

/** Module-scope Step Functions client, traced. */
export const sfn = tracer.captureAWSv3Client(new SFNClient({ region }));
