import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { ONLINE_STORE_KEYS } from '../../core/online/table.js';
import type { OnlineStoreTableProps } from './online-store-table-props.js';

export type { OnlineStoreTableProps } from './online-store-table-props.js';

/**
 * The online bar store (core/online): one item per bar under pk SYMBOL#timeframe and numeric sort key t,
 * pruned by TTL. Key names come from core/online, as the local provisioning's do. It is derived data (the
 * lake is the record and a replay rebuilds it), so it is destroyed with the stack rather than retained.
 */
export class OnlineStoreTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: OnlineStoreTableProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: ONLINE_STORE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: ONLINE_STORE_KEYS.sortKey, type: AttributeType.NUMBER },
      timeToLiveAttribute: ONLINE_STORE_KEYS.timeToLive,
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
