import type { Duration } from 'aws-cdk-lib';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IKey } from 'aws-cdk-lib/aws-kms';

export interface SecureBucketProps {
  /** Physical name; deterministic so other stacks can scope IAM to object prefixes without exports. */
  readonly bucketName: string;
  /** Customer-managed key for SSE-KMS (bucket keys on, so KMS calls stay cheap). */
  readonly encryptionKey: IKey;
  /** Bucket that receives the server access logs, under `<logPrefix>`. */
  readonly accessLogsBucket: IBucket;
  /** @default `${id}/` */
  readonly accessLogsPrefix?: string;
  /**
   * Noncurrent versions expire after this long; versioning stays on for recovery and lineage. @default
   * Duration.days(90)
   */
  readonly noncurrentVersionExpiration?: Duration;
  /** Objects move to S3 Intelligent-Tiering after this long. @default Duration.days(30) */
  readonly intelligentTieringAfter?: Duration;
  /** Key prefixes whose objects expire (e.g. dead letters). @default none */
  readonly expiringPrefixes?: { prefix: string; expiration: Duration }[];
}
