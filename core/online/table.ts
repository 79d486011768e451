import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The online bar store's key layout: one item per bar, partition `pk = <SYMBOL>#<timeframe>`, numeric sort key
 * `t` = bar open time (epoch ms), TTL attribute `expiresAt` (epoch seconds). The CDK table (lib/data) and
 * the local provisioning both build from these names, so the deployed and emulated tables cannot differ.
 */
export const ONLINE_STORE_KEYS = { partitionKey: 'pk', sortKey: 't', timeToLive: 'expiresAt' } as const;

/** The table as emulators and tests create it; CDK adds KMS, PITR and TTL. */
export function onlineStoreTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: ONLINE_STORE_KEYS.partitionKey, AttributeType: 'S' },
      { AttributeName: ONLINE_STORE_KEYS.sortKey, AttributeType: 'N' },
    ],
    KeySchema: [
      { AttributeName: ONLINE_STORE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: ONLINE_STORE_KEYS.sortKey, KeyType: 'RANGE' },
    ],
  };
}

/** `SPX#1d`: the same string as a model config key. */
export function seriesKey(symbol: string, timeframe: string): string {
  return `${symbol}#${timeframe}`;
}
