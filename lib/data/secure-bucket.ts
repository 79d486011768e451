import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, StorageClass } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { SecureBucketProps } from './secure-bucket-props.js';

export type { SecureBucketProps } from './secure-bucket-props.js';

/**
 * An S3 bucket with the settings every SignalForge data bucket shares: SSE-KMS with a customer key,
 * versioning, all public access blocked, TLS-only policy, owner-enforced ACLs, server access logs,
 * and lifecycle rules that tier current data and expire old versions.
 */
export class SecureBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      encryption: BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      versioned: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: props.accessLogsPrefix ?? `${id}/`,
      // Model lineage and the lake are the product's record; a stack deletion must not erase them.
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'tier-and-expire-old-versions',
          abortIncompleteMultipartUploadAfter: Duration.days(7),
          noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(90),
          transitions: [
            {
              storageClass: StorageClass.INTELLIGENT_TIERING,
              transitionAfter: props.intelligentTieringAfter ?? Duration.days(30),
            },
          ],
        },
        ...(props.expiringPrefixes ?? []).map((p) => ({
          id: `expire-${p.prefix.replace(/[^a-zA-Z0-9-]/g, '-')}`,
          prefix: `${p.prefix}/`,
          expiration: p.expiration,
        })),
      ],
    });
  }
}
