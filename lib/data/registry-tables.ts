import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { RegistryTablesProps } from './registry-tables-props.js';

export type { RegistryTablesProps } from './registry-tables-props.js';

/**
 * The model registry (pk/sk plus GSI `gsi1` on gsi1pk/gsi1sk, as in the shared contract) and the
 * Powertools idempotency table (pk `id`, TTL `expiration`). Both on demand, KMS-encrypted, with PITR.
 */
export class RegistryTables extends Construct {
  readonly registry: Table;
  readonly idempotency: Table;

  constructor(scope: Construct, id: string, props: RegistryTablesProps) {
    super(scope, id);
    this.registry = new Table(this, 'Registry', {
      tableName: props.registryTableName,
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.registry.addGlobalSecondaryIndex({
      indexName: 'gsi1',
      partitionKey: { name: 'gsi1pk', type: AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: AttributeType.STRING },
    });
    this.idempotency = new Table(this, 'Idempotency', {
      tableName: props.idempotencyTableName,
      partitionKey: { name: 'id', type: AttributeType.STRING },
      timeToLiveAttribute: 'expiration',
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
