import type { CredentialAuditRepository, CredentialRead, ListOptions } from '../ports.ts';

/** Credential reads kept in memory, listed newest first like the DynamoDB adapter. */
export class InMemoryCredentialAudit implements CredentialAuditRepository {
  readonly reads: CredentialRead[] = [];
  async record(read: CredentialRead) {
    this.reads.push({ ...read });
  }
  async list(workspaceId: string, projectId: string, { limit, cursor }: ListOptions) {
    const items = this.reads
      .filter((r) => r.workspaceId === workspaceId && r.projectId === projectId)
      .sort((a, b) => b.at.localeCompare(a.at));
    const start = cursor ? Number(cursor) : 0;
    const page = items.slice(start, start + limit);
    return start + limit < items.length
      ? { items: page, nextCursor: String(start + limit) }
      : { items: page };
  }
}
