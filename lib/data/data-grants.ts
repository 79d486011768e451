import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { acknowledgeWildcardResources } from '../nag/wildcard-acknowledgements.js';
import { bucketArn, tableArn } from './data-names.js';

/**
 * Least-privilege grants on the data stores, with exact actions (no `s3:*Object*` families) and
 * object ARNs narrowed to key prefixes. CDK's bucket.grantReadWrite would add s3:DeleteObject*,
 * s3:List* and s3:GetBucket* on the whole bucket, which no SignalForge component needs.
 */
export interface DataAccess {
  readonly bucketName: string;
  readonly key: IKey;
}

function objectArns(bucketName: string, prefixes: readonly string[]): string[] {
  return prefixes.map((p) => `${bucketArn(bucketName)}/${p.replace(/\/+$/, '')}/*`);
}

/** Read objects under `prefixes` (and list those prefixes). */
export function grantObjectRead(
  grantee: IGrantable,
  access: DataAccess,
  prefixes: readonly string[],
  reason: string,
): void {
  const p = grantee.grantPrincipal;
  const objects = objectArns(access.bucketName, prefixes);
  p.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: objects }));
  acknowledgeWildcardResources(grantee, objects, reason);
  p.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [bucketArn(access.bucketName)],
      conditions: { StringLike: { 's3:prefix': prefixes.map((x) => `${x.replace(/\/+$/, '')}/*`) } },
    }),
  );
  p.addToPrincipalPolicy(new PolicyStatement({ actions: ['kms:Decrypt'], resources: [access.key.keyArn] }));
}

/** Write objects under `prefixes`; multipart uploads need Decrypt as well as GenerateDataKey. */
export function grantObjectWrite(
  grantee: IGrantable,
  access: DataAccess,
  prefixes: readonly string[],
  reason: string,
): void {
  const p = grantee.grantPrincipal;
  const objects = objectArns(access.bucketName, prefixes);
  p.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: objects }),
  );
  acknowledgeWildcardResources(grantee, objects, reason);
  p.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [access.key.keyArn] }),
  );
}

/** Get objects by key under `prefixes`: no listing, no older versions (e.g. a ledger read back by its key). */
export function grantObjectGet(
  grantee: IGrantable,
  access: DataAccess,
  prefixes: readonly string[],
  reason: string,
): void {
  const p = grantee.grantPrincipal;
  const objects = objectArns(access.bucketName, prefixes);
  p.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: objects }));
  acknowledgeWildcardResources(grantee, objects, reason);
  p.addToPrincipalPolicy(new PolicyStatement({ actions: ['kms:Decrypt'], resources: [access.key.keyArn] }));
}

/**
 * Delete objects under `prefixes`. s3:DeleteObject only: in a versioned bucket that adds a delete
 * marker, and without s3:DeleteObjectVersion the grantee cannot remove the history.
 */
export function grantObjectDelete(
  grantee: IGrantable,
  access: DataAccess,
  prefixes: readonly string[],
  reason: string,
): void {
  const objects = objectArns(access.bucketName, prefixes);
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['s3:DeleteObject'], resources: objects }),
  );
  acknowledgeWildcardResources(grantee, objects, reason);
}

/** Item-level read/write on a table and its indexes (no Scan, no table management). */
export function grantItemReadWrite(
  grantee: IGrantable,
  tableName: string,
  key: IKey,
  options: { write?: boolean } = {},
): void {
  const p = grantee.grantPrincipal;
  const read = [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:ConditionCheckItem',
    'dynamodb:DescribeTable',
  ];
  const write = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
  const indexes = `${tableArn(tableName)}/index/*`;
  p.addToPrincipalPolicy(
    new PolicyStatement({
      actions: options.write === false ? read : [...read, ...write],
      resources: [tableArn(tableName), indexes],
    }),
  );
  acknowledgeWildcardResources(
    grantee,
    [indexes],
    `Queries go to the table's global secondary indexes (e.g. gsi1 of the registry); index/* is limited to indexes of table ${tableName}.`,
  );
  p.addToPrincipalPolicy(
    new PolicyStatement({
      actions:
        options.write === false
          ? ['kms:Decrypt', 'kms:DescribeKey']
          : ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
      resources: [key.keyArn],
    }),
  );
}
