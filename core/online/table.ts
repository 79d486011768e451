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

/**
 * The partition of a series' change token (`SPX#1d#head`, one item at sort key 0): the update rewrites it with
 * a fresh token after each batch that wrote bars of the series, so a reader can tell with one GetItem whether
 * its copy of the window is still current. Tickers hold no `#`, so no series' bars share this partition.
 */
export function seriesHeadKey(symbol: string, timeframe: string): string {
  return `${seriesKey(symbol, timeframe)}#head`;
}

/** `SPX#1d`: the same string as a model config key. */
export function seriesKey(symbol: string, timeframe: string): string {
  return `${symbol}#${timeframe}`;
}
