import type { IKey } from 'aws-cdk-lib/aws-kms';

export interface OnlineStoreTableProps {
  /** Customer-managed key, the data key. */
  readonly encryptionKey: IKey;
  /** Physical name, from dataNames(envName). */
  readonly tableName: string;
}
