import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { User } from '../../../shared/domain.ts';
import type { UserRepository } from '../../../shared/ports.ts';
import type { TableRef } from './client.ts';
import { fromItem, keys } from './keys.ts';

export class DynamoUsers implements UserRepository {
  constructor(private readonly table: TableRef) {}

  async get(userId: string) {
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.tableName, Key: keys.user(userId) }),
    );
    return Item ? fromItem<User>(Item) : undefined;
  }
}
