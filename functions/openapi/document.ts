import * as z from 'zod';
import type { ErrorEnvelope } from '../../shared/errors.ts';
import type { Mode } from '../../shared/schemas/common.ts';
import { PATH_PARAM } from '../lib/handler.ts';
import { type HttpRoute, httpRoutes, routeKey } from '../routes.ts';
import { type RouteDoc, routeDocs } from './route-docs.ts';

type JsonSchema = Record<string, unknown>;

/** The one error envelope every 4xx and 5xx answers with (functions/lib/handler.ts `mapError`). */
const errorEnvelopeSchema = z
  .strictObject({
    error: z.strictObject({
      code: z.string().meta({ description: 'Stable, for clients to branch on (`project.name_taken`).' }),
      message: z
        .string()
        .meta({ description: 'Safe to show; for a 5xx a generic message with the request id.' }),
      field: z.string().optional().meta({ description: 'The request field at fault, when there is one.' }),
      requestId: z.string().meta({ description: 'What support looks up in the logs.' }),
    }),
  })
  .meta({ description: 'Every error, 401 and 404 included.' });
// Compile-time: the documented envelope is the one the handlers send.
const sameEnvelope: z.infer<typeof errorEnvelopeSchema> extends ErrorEnvelope
  ? ErrorEnvelope extends z.infer<typeof errorEnvelopeSchema>
    ? true
    : never
  : never = true;
void sameEnvelope;

/**
 * A request schema as JSON Schema: its input side (what a client sends: defaults make a field
 * optional, a transform shows the type it accepts), without the `$schema` key (OpenAPI 3.1's
 * default dialect is draft 2020-12 already).
 */
export function requestSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted: the work goes on; the answer says where to follow it',
  204: 'Done, no content',
};

/** `http/projects/create` → `projects.create`; `webhooks/github` → `webhooks.github`. */
const operationId = (route: HttpRoute) => route.handler.replace(/^http\//, '').replaceAll('/', '.');
const tagOf = (route: HttpRoute) => route.handler.replace(/^http\//, '').split('/')[0] ?? 'api';

function parameters(route: HttpRoute, doc: RouteDoc): JsonSchema[] {
  const path = [...route.path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: PATH_PARAM.source },
  }));
  if (!doc.query) return path;
  const query = requestSchema(doc.query);
  const required = new Set((query.required as string[] | undefined) ?? []);
  const properties = (query.properties ?? {}) as Record<string, JsonSchema>;
  return [
    ...path,
    ...Object.entries(properties).map(([name, schema]) => ({
      name,
      in: 'query',
      required: required.has(name),
      schema,
      ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
    })),
  ];
}

function requestBody(doc: RouteDoc): JsonSchema | undefined {
  if (doc.rawBody) {
    return {
      required: true,
      description: 'The event as GitHub sends it; checked against X-Hub-Signature-256 before it is read.',
      content: { 'application/json': { schema: { type: 'object' } } },
    };
  }
  if (!doc.body) return undefined;
  // No body, `{}` and a body of optional fields alike: the handler reads a missing body as `{}`.
  const emptyAllowed = doc.body.safeParse({}).success;
  return {
    required: !emptyAllowed,
    ...(emptyAllowed ? { description: 'May be left out: no body reads as {}.' } : {}),
    content: { 'application/json': { schema: requestSchema(doc.body) } },
  };
}

function operation(route: HttpRoute, doc: RouteDoc): JsonSchema {
  const status = doc.status ?? 200;
  const body = requestBody(doc);
  return {
    operationId: operationId(route),
    summary: route.summary,
    tags: [tagOf(route)],
    security: route.auth === 'jwt' ? [{ bearerAuth: [] }] : [],
    parameters: parameters(route, doc),
    ...(body ? { requestBody: body } : {}),
    responses: {
      [String(status)]: {
        description: STATUS_TEXT[status] ?? 'OK',
        ...(status === 204 ? {} : { content: { 'application/json': { schema: {} } } }),
      },
      '4XX': { $ref: '#/components/responses/Error' },
      '5XX': { $ref: '#/components/responses/Error' },
    },
  };
}

/**
 * The OpenAPI 3.1 document of the HTTP API, built from the route table the gateways serve and the
 * schemas the handlers parse with: nothing here is a second copy of either. Routes only the local
 * stack serves are listed only there.
 */
export function openApiDocument(options: { mode: Mode; routes?: readonly HttpRoute[] }): JsonSchema {
  const docs = routeDocs(options.mode);
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of options.routes ?? httpRoutes) {
    if (route.localOnly && options.mode !== 'local') continue;
    const doc = docs[routeKey(route)];
    // A route without its entry is a bug the tests catch; the document still lists it, bare.
    const methods = paths[route.path] ?? {};
    methods[route.method.toLowerCase()] = operation(route, doc ?? {});
    paths[route.path] = methods;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Wharf API',
      version: '1',
      description:
        'Deploy projects from git to Kubernetes through GitOps. Every request but the health check, ' +
        'these documents and the GitHub webhook needs an access token (Authorization: Bearer <token>). ' +
        'Every error answers with one JSON envelope.',
    },
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: "An access token of the platform's OIDC issuer.",
        },
      },
      schemas: { Error: requestSchema(errorEnvelopeSchema) },
      responses: {
        Error: {
          description: 'The error envelope: 400 bad input (names the field), 401, 403, 404, 409, 5xx.',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
    },
  };
}
