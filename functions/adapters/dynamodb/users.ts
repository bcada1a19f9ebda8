import { GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { User } from '../../../shared/domain.ts';
import type { UserRepository } from '../../../shared/ports.ts';
import type { TableRef } from './client.ts';
import { parseItem, storedAs } from './items.ts';
import { keys } from './keys.ts';

const userSchema = storedAs<User>()(
  z.object({
    id: z.string(),
    username: z.string(),
    name: z.string().optional(),
    email: z.string().optional(),
    personalWorkspaceId: z.string(),
    createdAt: z.string(),
  }),
);

export class DynamoUsers implements UserRepository {
  constructor(private readonly table: TableRef) {}

  async get(userId: string) {
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.tableName, Key: keys.user(userId) }),
    );
    return Item ? parseItem(userSchema, Item) : undefined;
  }
}
