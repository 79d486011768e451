import type { IKey } from 'aws-cdk-lib/aws-kms';

export interface RegistryTablesProps {
  /** Customer-managed key for both tables. */
  readonly encryptionKey: IKey;
  /** Physical names, from dataNames(envName). */
  readonly registryTableName: string;
  readonly idempotencyTableName: string;
}
