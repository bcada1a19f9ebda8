import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { Project } from '../../../shared/domain.ts';
import { conflict, hostTaken } from '../../../shared/errors.ts';
import { hostKey, projectDomains } from '../../../shared/manifests/names.ts';
import { ENVIRONMENTS } from '../../../shared/naming.ts';
import type { HostClaim, HostOwner, ProjectRepository } from '../../../shared/ports.ts';
import { type ProjectListOptions, pageByActivity } from '../../../shared/project-list.ts';
import { conditionalWrite, type TableRef } from './client.ts';
import { parseItem, storedAs } from './items.ts';
import { keys, prefixes, repoIndexKey, repositoryPartition, sameRepository } from './keys.ts';
import { GSI1 } from './table.ts';

const storedEnvVarSchema = z.discriminatedUnion('secret', [
  z.object({ name: z.string(), secret: z.literal(false), value: z.string() }),
  z.object({ name: z.string(), secret: z.literal(true), secretRef: z.string() }),
]);

const environmentSettingsSchema = z.object({
  domain: z.string().optional(),
  replicas: z.number().optional(),
  autoscaling: z
    .object({ minReplicas: z.number(), maxReplicas: z.number(), targetCpuPercent: z.number() })
    .optional(),
  env: z.array(storedEnvVarSchema).optional(),
  trigger: z.enum(['push', 'tag', 'manual']).optional(),
  tagPattern: z.string().optional(),
  requiresApproval: z.boolean().optional(),
});

const projectBase = {
  id: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  environments: z.array(z.enum(ENVIRONMENTS)),
  environmentSettings: z.partialRecord(z.enum(ENVIRONMENTS), environmentSettingsSchema).optional(),
  env: z.array(storedEnvVarSchema),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  revision: z.number(),
  deletedAt: z.string().optional(),
};

const repositorySchema = z.object({ url: z.string(), branch: z.string() });
const bindingsSchema = z.array(z.object({ projectId: z.string(), env: z.string() })).optional();
const credentialsSchema = z.object({
  user: z.string(),
  database: z.string(),
  passwordRef: z.string(),
  urlRef: z.string(),
  version: z.number(),
  rotatedAt: z.string(),
});

/** A project as stored, live or deleted (the deleted one has `deletedAt`). */
const projectSchema = storedAs<Project>()(
  z.discriminatedUnion('type', [
    z.object({
      ...projectBase,
      type: z.literal('monolith'),
      repository: repositorySchema,
      port: z.number(),
      domain: z.string().optional(),
      autoDeploy: z.boolean(),
      replicas: z.number(),
      healthCheckPath: z.string(),
      databases: bindingsSchema,
    }),
    z.object({
      ...projectBase,
      type: z.literal('database'),
      // DATABASE_ENGINES, spelled here to keep the input schemas out of the bundle; storedAs holds it.
      engine: z.enum(['postgres', 'mysql', 'redis', 'mongodb']),
      version: z.string(),
      storage: z.string(),
      credentials: z.partialRecord(z.enum(ENVIRONMENTS), credentialsSchema).optional(),
      backup: z.object({ schedule: z.string(), retain: z.number() }).optional(),
    }),
    z.object({
      ...projectBase,
      type: z.literal('microservices'),
      repository: repositorySchema,
      services: z.array(
        z.object({
          name: z.string(),
          path: z.string(),
          port: z.number(),
          entry: z.boolean(),
          readinessPath: z.string().optional(),
          livenessPath: z.string().optional(),
        }),
      ),
      domain: z.string().optional(),
      autoDeploy: z.boolean(),
      databases: bindingsSchema,
    }),
  ]),
);

const hostClaimSchema = storedAs<HostOwner>()(
  z.object({ projectId: z.string(), workspaceId: z.string(), environment: z.enum(ENVIRONMENTS) }),
);

/** A project's noted newest run start (`recordActivity`). */
const activitySchema = z.object({ projectId: z.string(), at: z.string() });

const repositoryProjectSchema = z.object({ workspaceId: z.string(), projectId: z.string() });

/** The project's entry under its repository (tag pushes find projects by repository alone). */
const repositoryProjectItem = (project: Project) =>
  'repository' in project
    ? {
        ...keys.repositoryProject(project.repository.url, project.workspaceId, project.id),
        entity: 'repositoryProject',
        workspaceId: project.workspaceId,
        projectId: project.id,
      }
    : undefined;

/** Whether a host the project claims is one of its custom domains (else a platform host, from its name). */
const isDomainOf = (project: Project, host: string) =>
  projectDomains(project).some((domain) => domain.host === hostKey(host));

type TransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>[number];

const projectItem = (project: Project) => ({
  ...keys.project(project.workspaceId, project.id),
  ...('repository' in project
    ? keys.projectRepoIndex(
        project.repository.url,
        project.repository.branch,
        project.workspaceId,
        project.id,
      )
    : {}),
  entity: 'project',
  ...project,
});

/**
 * Projects, with a name-lock item per name so uniqueness holds atomically (no check-then-write).
 * A deleted project moves to a DELETEDPROJECT# key: out of lists and the repository index, its name
 * free again, but still readable for its run and release history.
 */
export class DynamoProjects implements ProjectRepository {
  constructor(private readonly table: TableRef) {}

  /** Claims a host for the project; a retry of the same claim passes, another project's claim fails. */
  private claimHost(project: Project, { host, environment }: HostClaim): TransactItem {
    return {
      Put: {
        TableName: this.table.tableName,
        Item: {
          ...keys.hostClaim(hostKey(host)),
          entity: 'hostClaim',
          host: hostKey(host),
          projectId: project.id,
          workspaceId: project.workspaceId,
          environment,
        },
        ConditionExpression: 'attribute_not_exists(pk) OR projectId = :projectId',
        ExpressionAttributeValues: { ':projectId': project.id },
      },
    };
  }

  /**
   * Deletes of the hosts the project holds: a host it never claimed (a project from before claims)
   * or that another project holds is left alone. The condition keeps a claim that changed hands since.
   */
  private async releaseHosts(project: Project, hosts: readonly string[]): Promise<TransactItem[]> {
    const held = await Promise.all(
      [...new Set(hosts.map(hostKey))].map(async (host) =>
        (await this.hostOwner(host))?.projectId === project.id ? [host] : [],
      ),
    );
    return held.flat().map((host) => ({
      Delete: {
        TableName: this.table.tableName,
        Key: keys.hostClaim(host),
        ConditionExpression: 'projectId = :projectId',
        ExpressionAttributeValues: { ':projectId': project.id },
      },
    }));
  }

  private repositoryEntry(project: Project): TransactItem[] {
    const Item = repositoryProjectItem(project);
    return Item ? [{ Put: { TableName: this.table.tableName, Item } }] : [];
  }

  async hostOwner(host: string): Promise<HostOwner | undefined> {
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.tableName, Key: keys.hostClaim(hostKey(host)) }),
    );
    if (!Item) return undefined;
    const { projectId, workspaceId, environment } = parseItem(hostClaimSchema, Item);
    return { projectId, workspaceId, environment };
  }

  async create(project: Project, hosts: readonly HostClaim[]) {
    const TableName = this.table.tableName;
    const claims = dedupe(hosts);
    await conditionalWrite(
      this.table,
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName,
              Item: {
                ...keys.projectName(project.workspaceId, project.name),
                entity: 'projectName',
                projectId: project.id,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName,
              Item: projectItem(project),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            ConditionCheck: {
              TableName,
              Key: keys.workspace(project.workspaceId),
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
          ...claims.map((claim) => this.claimHost(project, claim)),
          // Last, so the claims keep their indexes in the failure mapping below.
          ...this.repositoryEntry(project),
        ],
      }),
      (failed) => {
        if (failed.includes(0))
          return conflict(
            'project.name_taken',
            `name ${project.name} is already used by another project in this workspace`,
            'name',
          );
        const host = claims[(failed.find((i) => i >= 3) ?? -1) - 3]?.host;
        if (host) return hostTaken(host, isDomainOf(project, host) ? 'domain' : 'name');
        return conflict('project.create_conflict', 'The project could not be created; retry.');
      },
    );
  }

  async get(workspaceId: string, projectId: string, options: { includeDeleted?: boolean } = {}) {
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.tableName, Key: keys.project(workspaceId, projectId) }),
    );
    if (Item) return parseItem(projectSchema, Item);
    if (!options.includeDeleted) return undefined;
    const deleted = await this.table.doc.send(
      new GetCommand({ TableName: this.table.tableName, Key: keys.deletedProject(workspaceId, projectId) }),
    );
    return deleted.Item ? parseItem(projectSchema, deleted.Item) : undefined;
  }

  async findByRepository(repositoryUrl: string, branch: string) {
    const gsi1pk = repoIndexKey(repositoryUrl, branch);
    const items: Project[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.table.doc.send(
        new QueryCommand({
          TableName: this.table.tableName,
          IndexName: GSI1,
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': gsi1pk },
          ExclusiveStartKey,
        }),
      );
      items.push(...(page.Items ?? []).map((i) => parseItem(projectSchema, i)));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  async findByRepositoryUrl(repositoryUrl: string) {
    const entries: Array<{ workspaceId: string; projectId: string }> = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.table.doc.send(
        new QueryCommand({
          TableName: this.table.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': repositoryPartition(repositoryUrl) },
          ExclusiveStartKey,
        }),
      );
      entries.push(...(page.Items ?? []).map((i) => parseItem(repositoryProjectSchema, i)));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    const found = await Promise.all(entries.map((e) => this.get(e.workspaceId, e.projectId)));
    // A deleted project is not found; one whose URL changed since left its old entry behind.
    return found.filter(
      (p): p is Project => !!p && 'repository' in p && sameRepository(p.repository.url, repositoryUrl),
    );
  }

  /**
   * All of the workspace's projects and their noted run starts (two queries, in parallel, each paged
   * by DynamoDB's 1 MB), then ordered and paged by `pageByActivity`: no per-project read.
   */
  async list(workspaceId: string, options: ProjectListOptions) {
    const pk = prefixes.workspacePartition(workspaceId);
    const [items, activity] = await Promise.all([
      this.queryAll(pk, prefixes.project),
      this.queryAll(pk, prefixes.projectActivity),
    ]);
    const lastRunAt = new Map(
      activity.map((i) => parseItem(activitySchema, i)).map((a) => [a.projectId, a.at] as const),
    );
    return pageByActivity(
      items.map((i) => parseItem(projectSchema, i)),
      lastRunAt,
      options,
    );
  }

  async recordActivity(workspaceId: string, projectId: string, at: string) {
    // Only forward: a slower, older run start must not move the project down the list.
    await conditionalWrite(
      this.table,
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: keys.projectActivity(workspaceId, projectId),
        UpdateExpression: 'SET entity = :entity, projectId = :projectId, #at = :at',
        ConditionExpression: 'attribute_not_exists(#at) OR #at < :at',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: { ':entity': 'projectActivity', ':projectId': projectId, ':at': at },
      }),
    );
  }

  private async queryAll(pk: string, skPrefix: string) {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.table.doc.send(
        new QueryCommand({
          TableName: this.table.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
          ExclusiveStartKey,
        }),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  async update(project: Project, hosts?: { claim: readonly HostClaim[]; release: readonly string[] }) {
    const modified = () =>
      conflict(
        'project.modified',
        'The project changed since it was read (or was deleted); reload and try again.',
      );
    const put = {
      TableName: this.table.tableName,
      Item: projectItem(project),
      ConditionExpression: 'revision = :previous',
      ExpressionAttributeValues: { ':previous': project.revision - 1 },
    };
    if (!hosts || (hosts.claim.length === 0 && hosts.release.length === 0)) {
      await conditionalWrite(this.table, new PutCommand(put), modified);
      await this.putRepositoryEntry(project);
      return;
    }
    // The old domain is freed and the new one claimed in the project's own write: never half-moved.
    const claims = dedupe(hosts.claim);
    const releases = await this.releaseHosts(
      project,
      hosts.release.filter((host) => !claims.some((c) => c.host === hostKey(host))),
    );
    await conditionalWrite(
      this.table,
      new TransactWriteCommand({
        TransactItems: [{ Put: put }, ...claims.map((claim) => this.claimHost(project, claim)), ...releases],
      }),
      (failed) => {
        const host = claims[(failed.find((i) => i >= 1 && i <= claims.length) ?? 0) - 1]?.host;
        return host ? hostTaken(host, isDomainOf(project, host) ? 'domain' : 'name') : modified();
      },
    );
    await this.putRepositoryEntry(project);
  }

  /**
   * After an update: the entry under the (maybe new) repository URL. Idempotent, so a failure here
   * is mended by the next update; projects created before entries existed get theirs the same way.
   */
  private async putRepositoryEntry(project: Project) {
    const Item = repositoryProjectItem(project);
    if (Item) await this.table.doc.send(new PutCommand({ TableName: this.table.tableName, Item }));
  }

  async delete(project: Project, deletedAt: string, hosts: readonly string[]) {
    const TableName = this.table.tableName;
    const { gsi1pk: _pk, gsi1sk: _sk, ...rest } = projectItem(project);
    const releases = await this.releaseHosts(project, hosts);
    await this.table.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName,
              Key: keys.project(project.workspaceId, project.id),
              ConditionExpression: 'revision = :revision',
              ExpressionAttributeValues: { ':revision': project.revision },
            },
          },
          { Delete: { TableName, Key: keys.projectName(project.workspaceId, project.name) } },
          { Delete: { TableName, Key: keys.projectActivity(project.workspaceId, project.id) } },
          {
            Put: {
              TableName,
              Item: {
                ...rest,
                ...keys.deletedProject(project.workspaceId, project.id),
                entity: 'deletedProject',
                deletedAt,
              },
            },
          },
          ...releases,
          ...('repository' in project
            ? [
                {
                  Delete: {
                    TableName,
                    Key: keys.repositoryProject(project.repository.url, project.workspaceId, project.id),
                  },
                },
              ]
            : []),
        ],
      }),
    );
  }
}

/** One claim per host (a transaction may touch an item once). */
function dedupe(hosts: readonly HostClaim[]): HostClaim[] {
  const byHost = new Map<string, HostClaim>();
  for (const claim of hosts) {
    const host = hostKey(claim.host);
    if (!byHost.has(host)) byHost.set(host, { host, environment: claim.environment });
  }
  return [...byHost.values()];
}
