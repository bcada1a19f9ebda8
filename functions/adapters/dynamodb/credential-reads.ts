import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { ENVIRONMENTS } from '../../../shared/naming.ts';
import type { CredentialAuditRepository, CredentialRead, ListOptions } from '../../../shared/ports.ts';
import { queryPage, type TableRef } from './client.ts';
import { parseItem, storedAs } from './items.ts';
import { keys, prefixes } from './keys.ts';

const credentialReadSchema = storedAs<CredentialRead>()(
  z.object({
    workspaceId: z.string(),
    projectId: z.string(),
    environment: z.enum(ENVIRONMENTS),
    userId: z.string(),
    at: z.string(),
  }),
);

/**
 * The audit of database credential reads: one item per read in the project's partition, its sort key
 * starting with the time, so one Query lists them newest first. Kept as long as the project's history.
 */
export class DynamoCredentialReads implements CredentialAuditRepository {
  constructor(private readonly table: TableRef) {}

  async record(read: CredentialRead) {
    const { workspaceId, projectId, environment, userId, at } = read;
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.tableName,
        // Two reads in the same millisecond are two entries: the random tail keeps both.
        Item: {
          ...keys.credentialRead(projectId, at, randomUUID()),
          entity: 'credentialRead',
          workspaceId,
          projectId,
          environment,
          userId,
          at,
        },
      }),
    );
  }

  async list(workspaceId: string, projectId: string, page: ListOptions) {
    const result = await queryPage(
      this.table,
      {
        pk: prefixes.projectPartition(projectId),
        skPrefix: prefixes.credentialRead,
        newestFirst: true,
        ...page,
      },
      (item) => parseItem(credentialReadSchema, item),
    );
    // Project ids are unique across workspaces; the check only keeps a wrong pairing from answering.
    return { ...result, items: result.items.filter((r) => r.workspaceId === workspaceId) };
  }
}
