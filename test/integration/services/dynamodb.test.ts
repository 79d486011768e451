import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../../core/aws/clients.js';

describe('local DynamoDB (moto)', () => {
  const ddb = new DynamoDBClient(awsClientConfig());
  // Same key layout as the model registry table.
  const table = `smoke-registry-${randomUUID()}`;

  beforeAll(async () => {
    await ddb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
    await waitUntilTableExists({ client: ddb, maxWaitTime: 30 }, { TableName: table });
  });

  it('rejects a conditional put when the item already exists', async () => {
    const item = { pk: { S: 'AAPL#1h' }, sk: { S: 'alias#production' }, version: { N: '1' } };
    await ddb.send(
      new PutItemCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    const conflict = ddb.send(
      new PutItemCommand({
        TableName: table,
        Item: { ...item, version: { N: '2' } },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    await expect(conflict).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    const stored = await ddb.send(new GetItemCommand({ TableName: table, Key: { pk: item.pk, sk: item.sk } }));
    expect(stored.Item?.version?.N).toBe('1');
  });

  it('rejects an optimistic-lock update with a stale version and accepts the current one', async () => {
    const key = { pk: { S: 'MSFT#4h' }, sk: { S: 'alias#production' } };
    await ddb.send(new PutItemCommand({ TableName: table, Item: { ...key, version: { N: '3' } } }));
    const bump = (expected: string) =>
      ddb.send(
        new UpdateItemCommand({
          TableName: table,
          Key: key,
          UpdateExpression: 'SET version = :next',
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':expected': { N: expected }, ':next': { N: String(Number(expected) + 1) } },
        }),
      );
    await expect(bump('2')).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await bump('3');
    const stored = await ddb.send(new GetItemCommand({ TableName: table, Key: key }));
    expect(stored.Item?.version?.N).toBe('4');
  });
});
