import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { putObjectBytes } from '../../core/lake/index.js';
import { predictionObjectKey, type PredictionRecord } from '../../core/live/index.js';

/**
 * The local stand-in for CloudWatch Logs -> Firehose: buffers prediction records off the request path
 * and writes them as JSON-lines objects under the lake's `predictions/` prefix, the layout Firehose's
 * dynamic partitioning writes in AWS. A batch that cannot be written is counted in `lost`, never dropped
 * silently.
 */
export class PredictionLakeSink {
  private buffer: PredictionRecord[] = [];
  private flushing: Promise<void> = Promise.resolve();
  written = 0;
  lost = 0;

  constructor(
    private readonly options: { s3: S3Client; bucket: string; onLost?: (count: number, err: unknown) => void },
  ) {}

  /** The service's onPrediction: O(1) on the request path. */
  readonly record = (r: PredictionRecord): void => {
    this.buffer.push(r);
  };

  /** Writes everything buffered so far (one object per config and date). */
  flush(): Promise<void> {
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.flushing.then(() => this.write(batch));
    return this.flushing;
  }

  private async write(batch: PredictionRecord[]): Promise<void> {
    const groups = new Map<string, PredictionRecord[]>();
    for (const r of batch) {
      const objectKey = predictionObjectKey(r.key, r.loggedAt.slice(0, 10), '');
      groups.set(objectKey, [...(groups.get(objectKey) ?? []), r]);
    }
    const batchId = randomUUID();
    for (const records of groups.values()) {
      const first = records[0]!;
      const key = predictionObjectKey(first.key, first.loggedAt.slice(0, 10), batchId);
      try {
        await putObjectBytes(
          this.options.s3,
          this.options.bucket,
          key,
          `${records.map((r) => JSON.stringify(r)).join('\n')}\n`,
          'application/x-ndjson',
        );
        this.written += records.length;
      } catch (err) {
        this.lost += records.length;
        this.options.onLost?.(records.length, err);
      }
    }
  }
}
