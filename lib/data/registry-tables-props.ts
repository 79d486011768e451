import type { IKey } from 'aws-cdk-lib/aws-kms';

export interface RegistryTablesProps {
  /** Customer-managed key of the table. */
  readonly encryptionKey: IKey;
  /** Physical names, from dataNames(envName). */
  readonly registryTableName: string;
}
