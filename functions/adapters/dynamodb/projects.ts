import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { Project } from '../../../shared/domain.ts';
import { conflict } from '../../../shared/errors.ts';
import { ENVIRONMENTS } from '../../../shared/naming.ts';
import type { ListOptions, ProjectRepository } from '../../../shared/ports.ts';
import { conditionalWrite, queryPage, type TableRef } from './client.ts';
import { parseItem, storedAs } from './items.ts';
import { keys, prefixes, repoIndexKey } from './keys.ts';
import { GSI1 } from './table.ts';

const storedEnvVarSchema = z.discriminatedUnion('secret', [
  z.object({ name: z.string(), secret: z.literal(false), value: z.string() }),
  z.object({ name: z.string(), secret: z.literal(true), secretRef: z.string() }),
]);

const projectBase = {
  id: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  environments: z.array(z.enum(ENVIRONMENTS)),
  env: z.array(storedEnvVarSchema),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  revision: z.number(),
  deletedAt: z.string().optional(),
};

const repositorySchema = z.object({ url: z.string(), branch: z.string() });

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
    }),
    z.object({
      ...projectBase,
      type: z.literal('database'),
      // DATABASE_ENGINES, spelled here to keep the input schemas out of the bundle; storedAs holds it.
      engine: z.enum(['postgres', 'mysql', 'redis', 'mongodb']),
      version: z.string(),
      storage: z.string(),
    }),
    z.object({
      ...projectBase,
      type: z.literal('microservices'),
      repository: repositorySchema,
      services: z.array(
        z.object({ name: z.string(), path: z.string(), port: z.number(), entry: z.boolean() }),
      ),
      domain: z.string().optional(),
      autoDeploy: z.boolean(),
    }),
  ]),
);

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

  async create(project: Project) {
    const TableName = this.table.tableName;
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
        ],
      }),
      (failed) =>
        failed.includes(0)
          ? conflict(
              'project.name_taken',
              `name ${project.name} is already used by another project in this workspace`,
              'name',
            )
          : conflict('project.create_conflict', 'The project could not be created; retry.'),
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

  list(workspaceId: string, { limit, cursor }: ListOptions) {
    return queryPage(
      this.table,
      { pk: prefixes.workspacePartition(workspaceId), skPrefix: prefixes.project, limit, cursor },
      (i) => parseItem(projectSchema, i),
    );
  }

  async update(project: Project) {
    await conditionalWrite(
      this.table,
      new PutCommand({
        TableName: this.table.tableName,
        Item: projectItem(project),
        ConditionExpression: 'revision = :previous',
        ExpressionAttributeValues: { ':previous': project.revision - 1 },
      }),
      () =>
        conflict(
          'project.modified',
          'The project changed since it was read (or was deleted); reload and try again.',
        ),
    );
  }

  async delete(project: Project, deletedAt: string) {
    const TableName = this.table.tableName;
    const { gsi1pk: _pk, gsi1sk: _sk, ...rest } = projectItem(project);
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
        ],
      }),
    );
  }
}
