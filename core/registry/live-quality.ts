import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { awsClient } from '../aws/clients.js';
import type { LiveQuality } from '../live/index.js';

/**
 * Rolling live metrics per version in the registry table, beside the version items (sk
 * `LIVE#<variant>#<version>`): the outcome join overwrites them whole, so re-running it is idempotent.
 */
export class LiveQualityStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(private readonly options: { tableName: string; client?: DynamoDBClient }) {
    this.doc = DynamoDBDocumentClient.from(options.client ?? awsClient(DynamoDBClient), {
      marshallOptions: { removeUndefinedValues: true },
    });
  }

  /** No write time in the item: the same outcomes give the same item, byte for byte. */
  async put(q: LiveQuality): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: { pk: q.key, sk: liveSk(q.variant, q.version), ...q },
      }),
    );
  }

  async list(key: string): Promise<LiveQuality[]> {
    const res = await this.doc.send(
      new QueryCommand({
        TableName: this.options.tableName,
        KeyConditionExpression: 'pk = :k AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':k': key, ':s': 'LIVE#' },
        ConsistentRead: true,
      }),
    );
    return (res.Items ?? []).map(({ pk: _pk, sk: _sk, ...rest }) => rest as LiveQuality);
  }
}

function liveSk(variant: string, version: number): string {
  return `LIVE#${variant}#${String(version).padStart(6, '0')}`;
}
