import * as z from 'zod';
import { approveRequestSchema, rejectRequestSchema } from '../../shared/schemas/approval.ts';
import { backUpNowSchema } from '../../shared/schemas/backups.ts';
import { cancelRequestSchema } from '../../shared/schemas/cancel.ts';
import type { Mode } from '../../shared/schemas/common.ts';
import { rotateRequestSchema } from '../../shared/schemas/database.ts';
import {
  deployRequestSchema,
  logsQuerySchema,
  promotionPreviewQuerySchema,
  promotionRequestSchema,
  releasesQuerySchema,
  rollbackRequestSchema,
  runsQuerySchema,
} from '../../shared/schemas/deployment.ts';
import { updateEnvironmentSchema } from '../../shared/schemas/environment.ts';
import { projectSchemas } from '../../shared/schemas/project.ts';
import {
  credentialsQuerySchema,
  deleteQuerySchema,
  pageQuerySchema,
  projectListQuerySchema,
} from '../../shared/schemas/query.ts';
import { addMemberSchema, createWorkspaceSchema } from '../../shared/schemas/workspace.ts';

/**
 * What the API document says of each route beyond the route table: the schemas its handler parses
 * the body and query with, and the status of a success. Keyed by `routeKey`. `openapi.test.ts`
 * imports every handler and holds these to the schemas it really declares (`httpHandler`'s `spec`),
 * and fails for a route of the table missing here: the document can't drift from the code.
 */
export interface RouteDoc {
  body?: z.ZodType;
  query?: z.ZodType;
  /** The success status; 200 when not given. */
  status?: 200 | 201 | 202 | 204;
  /**
   * The handler takes any JSON and its use case picks the schema (a project PATCH: by the stored
   * project's type); `body` is what that use case parses with.
   */
  bodyParsedByUseCase?: true;
  /** The handler reads the body unparsed (the webhook checks a signature over the exact bytes). */
  rawBody?: true;
}

export function routeDocs(mode: Mode): Record<string, RouteDoc> {
  const projects = projectSchemas(mode);
  const W = '/api/workspaces/{workspaceId}';
  const P = `${W}/projects/{projectId}`;
  const E = `${P}/environments/{environment}`;
  return {
    'GET /api/health': {},
    'GET /api/openapi.json': {},
    'GET /api/docs': {},
    'GET /api/me': {},
    'GET /api/workspaces': {},
    'POST /api/workspaces': { body: createWorkspaceSchema, status: 201 },
    [`GET ${W}`]: {},
    [`GET ${W}/approvals`]: {},
    [`POST ${W}/members`]: { body: addMemberSchema, status: 201 },
    [`DELETE ${W}/members/{userId}`]: { status: 204 },
    [`GET ${W}/projects`]: { query: projectListQuerySchema },
    [`POST ${W}/projects`]: { body: projects.create, status: 201 },
    [`GET ${P}`]: {},
    [`PATCH ${P}`]: {
      // One of these, chosen by the project's type.
      body: z.union([projects.update.monolith, projects.update.database, projects.update.microservices]),
      bodyParsedByUseCase: true,
    },
    [`DELETE ${P}`]: { query: deleteQuerySchema, status: 204 },
    [`GET ${P}/credentials`]: { query: credentialsQuerySchema },
    [`GET ${P}/credentials/reads`]: { query: pageQuerySchema },
    [`POST ${P}/credentials/rotate`]: { body: rotateRequestSchema, status: 202 },
    [`GET ${E}`]: {},
    [`PATCH ${E}`]: { body: updateEnvironmentSchema },
    [`GET ${P}/deployments`]: { query: runsQuerySchema },
    [`POST ${P}/deployments`]: { body: deployRequestSchema, status: 202 },
    [`GET ${P}/deployments/{runId}`]: {},
    [`GET ${P}/deployments/{runId}/logs`]: { query: logsQuerySchema },
    [`POST ${P}/deployments/{runId}/approve`]: { body: approveRequestSchema },
    [`POST ${P}/deployments/{runId}/reject`]: { body: rejectRequestSchema },
    [`POST ${P}/deployments/{runId}/cancel`]: { body: cancelRequestSchema },
    [`GET ${P}/releases`]: { query: releasesQuerySchema },
    [`POST ${P}/releases/{releaseId}/rollback`]: { body: rollbackRequestSchema, status: 202 },
    [`GET ${P}/backups`]: {},
    [`POST ${P}/backups`]: { body: backUpNowSchema, status: 202 },
    [`POST ${E}/promotions`]: { body: promotionRequestSchema, status: 202 },
    [`GET ${E}/promotions/preview`]: { query: promotionPreviewQuerySchema },
    [`DELETE ${E}/hold`]: { status: 204 },
    [`GET ${E}/services`]: {},
    'GET /api/samples': {},
    'POST /api/webhooks/github': { rawBody: true },
  };
}
