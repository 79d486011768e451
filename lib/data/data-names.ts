import { Aws } from 'aws-cdk-lib';

/**
 * Deterministic physical names for the data stores. Names built from the env name and pseudo
 * parameters let other stacks write least-privilege IAM resources (object prefixes, index ARNs)
 * without cross-stack exports, and make every policy reviewable as text.
 */
export const dataNames = (envName: string) => ({
  // "sf-" keeps the longest env name (21) plus account and region under S3's 63-character limit.
  lakeBucket: `sf-${envName}-lake-${Aws.ACCOUNT_ID}-${Aws.REGION}`,
  artifactBucket: `sf-${envName}-artifacts-${Aws.ACCOUNT_ID}-${Aws.REGION}`,
  registryTable: `signalforge-${envName}-registry`,
  onlineStoreTable: `signalforge-${envName}-online-bars`,
});

export const bucketArn = (name: string) => `arn:${Aws.PARTITION}:s3:::${name}`;
export const tableArn = (name: string) => `arn:${Aws.PARTITION}:dynamodb:${Aws.REGION}:${Aws.ACCOUNT_ID}:table/${name}`;
