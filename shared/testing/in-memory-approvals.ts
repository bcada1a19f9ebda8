import type { ApprovalRepository, PendingApproval } from '../deploy-ports.ts';

/** The approval store in memory: one entry per run, listed oldest first (run ids sort by time). */
export class InMemoryApprovals implements ApprovalRepository {
  readonly items = new Map<string, PendingApproval & { taskToken: string }>();

  async open(approval: PendingApproval, taskToken: string) {
    this.items.set(key(approval.workspaceId, approval.runId), structuredClone({ ...approval, taskToken }));
  }
  async get(workspaceId: string, runId: string) {
    const item = this.items.get(key(workspaceId, runId));
    return item && structuredClone(item);
  }
  async close(workspaceId: string, runId: string) {
    return this.items.delete(key(workspaceId, runId));
  }
  async list(workspaceId: string): Promise<PendingApproval[]> {
    return [...this.items.values()]
      .filter((a) => a.workspaceId === workspaceId)
      .sort((a, b) => a.runId.localeCompare(b.runId))
      .map(({ taskToken: _token, ...approval }) => structuredClone(approval));
  }
}

const key = (workspaceId: string, runId: string) => `${workspaceId}#${runId}`;
