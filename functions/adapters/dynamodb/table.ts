/**
 * The one table's definition. The local stack creates the table from it and the CDK stack declares
 * TableV2 from it, so keys and indexes cannot drift between the two runtimes.
 */
export const tableDefinition = {
  partitionKey: 'pk',
  sortKey: 'sk',
  globalSecondaryIndexes: [{ indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }],
  /** Epoch seconds; items with it (webhook deliveries, connections) expire by themselves. */
  timeToLiveAttribute: 'expiresAt',
} as const;

export const GSI1 = tableDefinition.globalSecondaryIndexes[0].indexName;

/** The key schema and indexes in the DynamoDB API's own shape (CreateTable, and CloudFormation alike). */
export function tableKeySchemas() {
  const d = tableDefinition;
  const keySchema = (partitionKey: string, sortKey: string) => [
    { AttributeName: partitionKey, KeyType: 'HASH' as const },
    { AttributeName: sortKey, KeyType: 'RANGE' as const },
  ];
  return {
    KeySchema: keySchema(d.partitionKey, d.sortKey),
    GlobalSecondaryIndexes: d.globalSecondaryIndexes.map((g) => ({
      IndexName: g.indexName,
      KeySchema: keySchema(g.partitionKey, g.sortKey),
      Projection: { ProjectionType: 'ALL' as const },
    })),
  };
}
