import { RemovalPolicy } from 'aws-cdk-lib';
import { type Attribute, AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { registryTableDefinition } from '../../core/registry/table.js';
import type { RegistryTablesProps } from './registry-tables-props.js';

export type { RegistryTablesProps } from './registry-tables-props.js';

type KeySchema = NonNullable<ReturnType<typeof registryTableDefinition>['KeySchema']>;

/**
 * The model registry, from the one description the emulators also create (core/registry/table.ts: pk/sk plus
 * GSI `gsi1` on gsi1pk/gsi1sk), deployed on demand, KMS-encrypted, with PITR and deletion protection.
 */
export class RegistryTables extends Construct {
  readonly registry: Table;

  constructor(scope: Construct, id: string, props: RegistryTablesProps) {
    super(scope, id);
    const definition = registryTableDefinition(props.registryTableName);
    const attribute = (name: string | undefined): Attribute => {
      const type = definition.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType;
      if (!name || type !== 'S') throw new Error(`registry table: attribute ${name} must be a declared string`);
      return { name, type: AttributeType.STRING };
    };
    const keys = (schema: KeySchema | undefined) => {
      const sort = schema?.find((k) => k.KeyType === 'RANGE');
      return {
        partitionKey: attribute(schema?.find((k) => k.KeyType === 'HASH')?.AttributeName),
        ...(sort ? { sortKey: attribute(sort.AttributeName) } : {}),
      };
    };
    this.registry = new Table(this, 'Registry', {
      tableName: definition.TableName,
      ...keys(definition.KeySchema),
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of definition.GlobalSecondaryIndexes ?? [])
      this.registry.addGlobalSecondaryIndex({ indexName: index.IndexName!, ...keys(index.KeySchema) });
  }
}
