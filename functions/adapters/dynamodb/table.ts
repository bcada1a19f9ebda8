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
