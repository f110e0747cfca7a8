import type { FaultKind, FaultService } from './config';

/** What `GET /__local/aws-faults` answers. */
export interface AwsFaultsSnapshot {
  /** Faults injected, by `<service>:<kind>` (e.g. `dynamodb:throttle`). */
  injected: Record<string, number>;
  /** Calls the functions made, by service (Task invokes for `lambda`), faulted or not. */
  requests: Record<string, number>;
  /**
   * S3 multipart uploads through the fault layer. `open` lists the uploads created (the caller got the UploadId)
   * that were neither completed nor aborted; `orphaned` counts uploads created upstream whose answer was lost, which
   * the caller cannot know of (in AWS, the bucket's lifecycle rule aborts those).
   */
  multipart: { created: number; completed: number; aborted: number; open: string[]; orphaned: number };
}

/** Counts what the fault layer saw and did. */
export class FaultCounters {
  private readonly injected = new Map<string, number>();
  private readonly requests = new Map<string, number>();
  private readonly created = new Set<string>();
  private readonly completed = new Set<string>();
  private readonly aborted = new Set<string>();
  private readonly orphaned = new Set<string>();

  request(service: FaultService): void {
    this.requests.set(service, (this.requests.get(service) ?? 0) + 1);
  }

  fault<S extends FaultService>(service: S, kind: FaultKind<S>): void {
    const key = `${service}:${kind}`;
    this.injected.set(key, (this.injected.get(key) ?? 0) + 1);
  }

  /** A CreateMultipartUpload S3 answered; `answered` = false when the answer was lost on the way back. */
  multipartCreated(uploadId: string, answered: boolean): void {
    (answered ? this.created : this.orphaned).add(uploadId);
  }

  /** A CompleteMultipartUpload that S3 answered with success (counted once per upload, retries included). */
  multipartCompleted(uploadId: string): void {
    this.completed.add(uploadId);
  }

  /** An AbortMultipartUpload the fault layer answered (s3rver has none). */
  multipartAborted(uploadId: string): void {
    this.aborted.add(uploadId);
  }

  snapshot(): AwsFaultsSnapshot {
    const sorted = (map: Map<string, number>) =>
      Object.fromEntries([...map.entries()].sort(([a], [b]) => a.localeCompare(b)));
    return {
      injected: sorted(this.injected),
      requests: sorted(this.requests),
      multipart: {
        created: this.created.size,
        completed: this.completed.size,
        aborted: this.aborted.size,
        open: [...this.created].filter((id) => !this.completed.has(id) && !this.aborted.has(id)),
        orphaned: this.orphaned.size,
      },
    };
  }
}
