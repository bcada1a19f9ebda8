import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, type Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tableDefinition, tableKeySchemas } from '../../functions/adapters/dynamodb/table.ts';
import { eventRoutes, httpRoutes, routeKey, wsRoutes } from '../../functions/routes.ts';
import {
  CALLBACK_TIMEOUT_SECONDS,
  type DeployProjectTask,
  deployProjectDefinition,
  deployProjectTasks,
  functionArnVariable,
} from '../../functions/sfn/definition.ts';
import { bundleSizes } from './bundles.ts';
import { loadStageConfig, type StageConfig } from './config.ts';
import { accessOf, deployedHandlers, handlerAccess } from './handler-access.ts';
import { flattenCfnReference } from './nag.ts';
import { createWharf, type WharfStacks } from './wharf.ts';

/**
 * One in-process synth of the `test` stage (bundling ~30 functions with esbuild is the slow part),
 * shared by every assertion below.
 */
type Resource = {
  Type: string;
  Properties: any;
  Metadata?: Record<string, unknown>;
  DeletionPolicy?: string;
};
type Part = keyof WharfStacks;

let app: App;
let config: StageConfig;
let stacks: WharfStacks;
let outdir: string;
const templates = {} as Record<Part, Template>;
const json = {} as Record<Part, { Resources: Record<string, Resource>; Outputs?: Record<string, any> }>;
let nag: { violations: Array<{ ruleName: string; violatingResources: Array<{ constructPath?: string }> }> };
const usedAcknowledgements = new Set<string>();

beforeAll(() => {
  // The context `npx cdk synth` runs with (cdk.json), plus the test stage.
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'));
  app = new App({ context: { ...cdkJson.context, stage: 'test' } });
  config = loadStageConfig(app, {});
  stacks = createWharf(app, config);
  outdir = app.synth().directory;
  for (const part of Object.keys(stacks) as Part[]) {
    templates[part] = Template.fromStack(stacks[part]);
    json[part] = templates[part].toJSON() as (typeof json)[Part];
  }
  // The same pack app.ts registers, run over the synthesized tree; every acknowledgement it honours is
  // recorded (construct path + rule), so an acknowledgement that matches no finding fails a test.
  const pack = new AwsSolutionsChecks() as any;
  const isAcknowledged = pack.isAcknowledged.bind(pack);
  pack.isAcknowledged = (node: IConstruct, ruleId: string) => {
    const yes = isAcknowledged(node, ruleId);
    if (yes) {
      for (let c: IConstruct | undefined = node; c; c = c.node.scope) {
        if (acknowledgementsOn(c).some((a) => a.id === ruleId)) {
          usedAcknowledgements.add(`${c.node.path}|${ruleId}`);
          break;
        }
      }
    }
    return yes;
  };
  nag = pack.validateScope(app);
}, 240_000);

function acknowledgementsOn(c: IConstruct): Array<{ id: string; reason: string }> {
  return c.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && m.data)
    .flatMap((m) =>
      Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
        id: id.replace(/^annotation::/i, ''),
        reason,
      })),
    );
}

const resources = (part: Part, type?: string) =>
  Object.entries(json[part].Resources).filter(([, r]) => !type || r.Type === type);

/** Every Wharf function by its handler module (from the `wharf:handler` metadata). */
function functionsByHandler(): Map<string, { part: Part; id: string; fn: Resource }> {
  const out = new Map<string, { part: Part; id: string; fn: Resource }>();
  for (const part of Object.keys(json) as Part[]) {
    for (const [id, fn] of resources(part, 'AWS::Lambda::Function')) {
      const handler = fn.Metadata?.['wharf:handler'];
      if (typeof handler === 'string') out.set(handler, { part, id, fn });
    }
  }
  return out;
}

/** The statements of a function's role (its default policy). */
function statementsOf(
  part: Part,
  functionId: string,
): Array<{ Action: string | string[]; Resource: unknown }> {
  const fn = json[part].Resources[functionId];
  const roleId = fn?.Properties.Role['Fn::GetAtt'][0] as string;
  return resources(part, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}
const actionsOf = (s: { Action: string | string[] }) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: { Resource: unknown }) =>
  (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map(flattenCfnReference);

describe('the handlers', () => {
  it('are exactly the deployed routes, WebSocket routes and workflow tasks, each with an access profile', () => {
    const handlers = deployedHandlers();
    expect(new Set(handlers).size).toBe(handlers.length);
    expect(Object.keys(handlerAccess).sort()).toEqual([...handlers].sort());
    expect([...functionsByHandler().keys()].sort()).toEqual([...handlers].sort());
  });

  it('run on Node.js 24, arm64, with X-Ray and Powertools settings, their own log group with a retention, as minified ESM with the SDK inside', () => {
    const retained = new Map(
      resources('api', 'AWS::Logs::LogGroup')
        .concat(resources('workflow', 'AWS::Logs::LogGroup'))
        .map(([id, r]) => [id, r.Properties.RetentionInDays]),
    );
    for (const [handler, { fn }] of functionsByHandler()) {
      const p = fn.Properties;
      expect(p.Runtime, handler).toBe('nodejs24.x');
      expect(p.Architectures, handler).toEqual(['arm64']);
      expect(p.TracingConfig, handler).toEqual({ Mode: 'Active' });
      expect(p.Handler, handler).toBe('index.handler');
      expect(retained.get(p.LoggingConfig.LogGroup.Ref), handler).toBe(config.logRetentionDays);
      expect(p.Environment.Variables.WHARF_MODE, handler).toBe('cloud');
      // Powertools: the service on logs and traces, the namespace of the EMF metrics; tracing stays on.
      expect(p.Environment.Variables, handler).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'wharf',
        POWERTOOLS_METRICS_NAMESPACE: 'Wharf',
      });
      expect(p.Environment.Variables.POWERTOOLS_TRACE_ENABLED, handler).toBeUndefined();

      const dir = join(outdir, `asset.${(p.Code.S3Key as string).replace(/\.zip$/, '')}`);
      const bundle = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(bundle.startsWith("import{createRequire}from'node:module';"), handler).toBe(true);
      expect(existsSync(join(dir, 'index.mjs.map')), handler).toBe(true);
      // Minified (long lines, no indentation), and no import left to the runtime's own AWS SDK copy.
      expect(bundle.length / bundle.split('\n').length, handler).toBeGreaterThan(1000);
      expect(bundle, handler).not.toMatch(/from\s*["']@aws-sdk\//);
    }
  });

  it('bundle to something Lambda can load: the health handler answers its sample event', async () => {
    const key = functionsByHandler().get('http/health/get')?.fn.Properties.Code.S3Key as string;
    const dir = join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
    const mod = (await import(/* @vite-ignore */ pathToFileURL(join(dir, 'index.mjs')).href)) as {
      handler: (e: unknown, c: unknown) => Promise<any>;
    };
    const event = JSON.parse(
      readFileSync(new URL('../../events/apigw-http/health.json', import.meta.url), 'utf8'),
    );
    const response = await mod.handler(event, {});
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: 'ok' });
  });

  it('have their bundle sizes reported from the assembly', () => {
    const sizes = bundleSizes(outdir);
    expect(sizes.map((s) => s.handler).sort()).toEqual([...deployedHandlers()].sort());
    for (const s of sizes) expect(s.gzipBytes).toBeLessThan(s.bytes);
  });
});

describe('the HTTP API', () => {
  const routeResources = () =>
    new Map(
      resources('api', 'AWS::ApiGatewayV2::Route').map(([id, r]) => [
        r.Properties.RouteKey as string,
        { id, r },
      ]),
    );

  it('has one route per httpRoutes entry, local-only ones left out', () => {
    const deployed = httpRoutes.filter((r) => !r.localOnly).map(routeKey);
    const httpApiId = resources('api', 'AWS::ApiGatewayV2::Api').find(
      ([, r]) => r.Properties.ProtocolType === 'HTTP',
    )?.[0];
    const keys = resources('api', 'AWS::ApiGatewayV2::Route')
      .filter(([, r]) => r.Properties.ApiId.Ref === httpApiId)
      .map(([, r]) => r.Properties.RouteKey);
    expect(keys.sort()).toEqual(deployed.sort());
    for (const local of httpRoutes.filter((r) => r.localOnly)) expect(keys).not.toContain(routeKey(local));
  });

  it('puts the JWT authorizer (issuer and audience from the stage) on every `jwt` route and none on the public ones', () => {
    const authorizers = resources('api', 'AWS::ApiGatewayV2::Authorizer').filter(
      ([, a]) => a.Properties.AuthorizerType === 'JWT',
    );
    expect(authorizers).toHaveLength(1);
    const [jwtId, jwt] = authorizers[0] as [string, Resource];
    expect(jwt.Properties.JwtConfiguration).toEqual({
      Issuer: config.oidc.issuer,
      Audience: [config.oidc.audience],
    });
    expect(jwt.Properties.IdentitySource).toEqual(['$request.header.Authorization']);

    const routes = routeResources();
    for (const route of httpRoutes.filter((r) => !r.localOnly)) {
      const { r } = routes.get(routeKey(route)) ?? {};
      if (route.auth === 'jwt') {
        expect(r?.Properties.AuthorizationType, routeKey(route)).toBe('JWT');
        expect(r?.Properties.AuthorizerId, routeKey(route)).toEqual({ Ref: jwtId });
      } else {
        expect(r?.Properties.AuthorizationType, routeKey(route)).toBe('NONE');
        expect(r?.Properties.AuthorizerId, routeKey(route)).toBeUndefined();
      }
    }
    // The security model: only the health check, the API's own description and the HMAC-verified
    // webhook are public.
    expect(
      httpRoutes
        .filter((r) => !r.localOnly && r.auth === 'none')
        .map(routeKey)
        .sort(),
    ).toEqual(['GET /api/docs', 'GET /api/health', 'GET /api/openapi.json', 'POST /api/webhooks/github']);
  });

  it("sends each route to its own handler's function", () => {
    const fns = functionsByHandler();
    const integrations = new Map(resources('api', 'AWS::ApiGatewayV2::Integration'));
    const routes = routeResources();
    for (const route of httpRoutes.filter((r) => !r.localOnly)) {
      const target = routes.get(routeKey(route))?.r.Properties.Target['Fn::Join'][1][1].Ref;
      const uri = flattenCfnReference(integrations.get(target)?.Properties.IntegrationUri);
      expect(uri, routeKey(route)).toContain(`<${fns.get(route.handler)?.id}.Arn>`);
      expect(integrations.get(target)?.Properties.PayloadFormatVersion).toBe('2.0');
    }
  });

  it('logs access to a log group and throttles the default stage', () => {
    templates.api.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: config.throttle.rateLimit,
        ThrottlingBurstLimit: config.throttle.burstLimit,
      },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HttpAccessLogs'), 'Arn'] },
      },
    });
  });
});

describe('the WebSocket API', () => {
  it('guards $connect with the token REQUEST authorizer (ws/authorize), and only $connect', () => {
    const fns = functionsByHandler();
    const [authorizerId, authorizer] = resources('api', 'AWS::ApiGatewayV2::Authorizer').find(
      ([, a]) => a.Properties.AuthorizerType === 'REQUEST',
    ) as [string, Resource];
    expect(authorizer.Properties.IdentitySource).toEqual(['route.request.querystring.token']);
    expect(flattenCfnReference(authorizer.Properties.AuthorizerUri)).toContain(
      `<${fns.get(wsRoutes.authorizer)?.id}.Arn>`,
    );

    const routes = new Map(
      resources('api', 'AWS::ApiGatewayV2::Route').map(([, r]) => [r.Properties.RouteKey, r]),
    );
    expect(routes.get('$connect')?.Properties).toMatchObject({
      AuthorizationType: 'CUSTOM',
      AuthorizerId: { Ref: authorizerId },
    });
    expect(routes.get('$disconnect')?.Properties.AuthorizationType).toBe('NONE');
    expect(routes.get('$default')?.Properties.AuthorizationType).toBe('NONE');
  });

  it('has a `ws` stage (the path CloudFront forwards) with access logs, error logs and throttling, never data traces', () => {
    templates.api.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'ws',
      AccessLogSettings: {
        DestinationArn: Match.anyValue(),
        Format: Match.not(Match.stringLikeRegexp('querystring')),
      },
      DefaultRouteSettings: {
        LoggingLevel: 'ERROR',
        DataTraceEnabled: false,
        ThrottlingRateLimit: config.throttle.rateLimit,
        ThrottlingBurstLimit: config.throttle.burstLimit,
      },
    });
  });
});

describe('permissions', () => {
  /** The export the other stacks import the table ARN through (cdk-nag and IAM see its name). */
  const tableArnExport = () => {
    const tableId = resources('stateful', 'AWS::DynamoDB::GlobalTable')[0]?.[0];
    const output = Object.values(json.stateful.Outputs ?? {}).find(
      (o) => JSON.stringify(o.Value) === JSON.stringify({ 'Fn::GetAtt': [tableId, 'Arn'] }),
    ) as { Export: { Name: string } } | undefined;
    if (!output) throw new Error('The stateful stack exports no table ARN');
    return output.Export.Name;
  };

  it('never grant a wildcard action, in any stack', () => {
    for (const part of Object.keys(json) as Part[]) {
      const documents = [
        ...resources(part, 'AWS::IAM::Policy').map(([id, r]) => [id, r.Properties.PolicyDocument] as const),
        ...resources(part, 'AWS::IAM::Role').flatMap(([id, r]) =>
          (r.Properties.Policies ?? []).map((p: any) => [id, p.PolicyDocument] as const),
        ),
        ...resources(part, 'AWS::IAM::ManagedPolicy').map(
          ([id, r]) => [id, r.Properties.PolicyDocument] as const,
        ),
      ];
      for (const [id, doc] of documents) {
        for (const s of doc.Statement) {
          for (const action of actionsOf(s)) expect(action, `${part}/${id}`).not.toContain('*');
          expect(s.NotAction, `${part}/${id}`).toBeUndefined();
        }
      }
    }
  });

  it('give each function exactly what its handler uses, on exactly those resources', () => {
    const table = tableArnExport();
    const smArn = `arn:<AWS::Partition>:states:${config.region}:${config.account}:stateMachine:wharf-test-DeployProject`;
    for (const [handler, { part, id }] of functionsByHandler()) {
      const access = accessOf(handler);
      const statements = statementsOf(part, id);
      const granted = new Map<string, Set<string>>();
      for (const s of statements) {
        for (const action of actionsOf(s)) {
          const set = granted.get(action) ?? new Set<string>();
          for (const r of resourcesOf(s)) set.add(r);
          granted.set(action, set);
        }
      }
      const expected = new Map<string, string[]>();
      const logGroupId = json[part].Resources[id]?.Properties.LoggingConfig.LogGroup.Ref;
      expected.set('logs:CreateLogStream', [`<${logGroupId}.Arn>`]);
      expected.set('logs:PutLogEvents', [`<${logGroupId}.Arn>`]);
      expected.set('xray:PutTraceSegments', ['*']);
      expected.set('xray:PutTelemetryRecords', ['*']);
      if (access.table) {
        const reads = ['dynamodb:GetItem', 'dynamodb:BatchGetItem'];
        const writes = [
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:ConditionCheckItem',
        ];
        for (const a of access.table === 'read' ? reads : [...reads, ...writes]) expected.set(a, [table]);
        expected.set('dynamodb:Query', [
          table,
          ...tableDefinition.globalSecondaryIndexes.map((g) => `${table}/index/${g.indexName}`),
        ]);
      }
      const projectSecretsArn = `arn:<AWS::Partition>:secretsmanager:${config.region}:${config.account}:secret:wharf/*`;
      if (access.projectSecrets && access.projectSecrets !== 'read') {
        for (const a of ['CreateSecret', 'PutSecretValue', 'DeleteSecret', 'TagResource'])
          expected.set(`secretsmanager:${a}`, [projectSecretsArn]);
      }
      const readsProjectSecrets = access.projectSecrets === 'read' || access.projectSecrets === 'readWrite';
      const secretsRead = [
        ...(access.webhookSecret ? [/ExportsOutputRefGithubWebhookSecret/] : []),
        ...(access.adapters?.includes('build') ? [/ExportsOutputRefJenkinsToken/] : []),
        ...(access.adapters?.includes('gitops') ? [/ExportsOutputRefGithubCredentials/] : []),
        ...(access.adapters?.includes('sync') ? [/ExportsOutputRefArgoCdToken/] : []),
      ];
      if (secretsRead.length > 0 || readsProjectSecrets) {
        expected.set(
          'secretsmanager:GetSecretValue',
          // In the order the received ARNs sort in (the export names share their prefix).
          [
            ...secretsRead
              .sort((a, b) => a.source.localeCompare(b.source))
              .map((pattern) => expect.stringMatching(pattern) as any),
            ...(readsProjectSecrets ? [projectSecretsArn] : []),
          ],
        );
      }
      if (access.startsWorkflow) expected.set('states:StartExecution', [smArn]);
      if (access.resumesWorkflow) {
        expected.set('states:SendTaskSuccess', [smArn]);
        expected.set('states:SendTaskFailure', [smArn]);
      }
      if (access.inspectsWorkflow) {
        expected.set('states:DescribeExecution', [
          `arn:<AWS::Partition>:states:${config.region}:${config.account}:execution:wharf-test-DeployProject:*`,
        ]);
      }
      if (access.stopsWorkflow) {
        expected.set('states:StopExecution', [
          `arn:<AWS::Partition>:states:${config.region}:${config.account}:execution:wharf-test-DeployProject:*`,
        ]);
      }
      if (access.pushesToConnections) {
        expected.set('execute-api:ManageConnections', [
          part === 'api'
            ? expect.stringMatching(
                /^arn:<AWS::Partition>:execute-api:eu-west-1:123456789012:<WebSocketApi\w+>\/ws\/POST\/@connections\/\*$/,
              )
            : `arn:<AWS::Partition>:execute-api:eu-west-1:123456789012:wharf-test-websocket-api-id/ws/POST/@connections/*`,
        ] as any);
      }
      if (access.listsBackups)
        expected.set('s3:ListBucket', [`arn:<AWS::Partition>:s3:::${config.backupBucket}`]);
      expect(Object.fromEntries([...granted].map(([a, r]) => [a, [...r].sort()])), handler).toEqual(
        Object.fromEntries([...expected].map(([a, r]) => [a, [...r].sort()])),
      );

      // And the settings that go with them.
      const env = json[part].Resources[id]?.Properties.Environment.Variables as Record<string, unknown>;
      expect('WHARF_TABLE_NAME' in env, handler).toBe(Boolean(access.table));
      expect('WHARF_STATE_MACHINE_ARN' in env, handler).toBe(
        Boolean(
          access.startsWorkflow || access.inspectsWorkflow || access.resumesWorkflow || access.stopsWorkflow,
        ),
      );
      if ('WHARF_STATE_MACHINE_ARN' in env)
        expect(flattenCfnReference(env.WHARF_STATE_MACHINE_ARN)).toBe(smArn);
      expect('WHARF_WS_ENDPOINT' in env, handler).toBe(Boolean(access.pushesToConnections));
      expect('WHARF_GITHUB_WEBHOOK_SECRET_ARN' in env, handler).toBe(Boolean(access.webhookSecret));
      expect('WHARF_JWT_ISSUER' in env, handler).toBe(Boolean(access.verifiesTokens));
      expect(env.WHARF_BUILD_SERVICE, handler).toBe(
        access.adapters?.includes('build') ? 'jenkins' : undefined,
      );
      expect(env.WHARF_GITOPS, handler).toBe(access.adapters?.includes('gitops') ? 'github' : undefined);
      expect(env.WHARF_SYNC, handler).toBe(access.adapters?.includes('sync') ? 'argocd' : undefined);
      // Each adapter's endpoint and its credential's ARN, never a credential itself.
      expect(env.WHARF_JENKINS_URL, handler).toBe(
        access.adapters?.includes('build') ? config.jenkins.url : undefined,
      );
      expect('WHARF_JENKINS_TOKEN_SECRET_ARN' in env, handler).toBe(
        Boolean(access.adapters?.includes('build')),
      );
      expect(env.WHARF_GITHUB_REPOSITORY, handler).toBe(
        access.adapters?.includes('gitops') ? config.github.repository : undefined,
      );
      expect('WHARF_GITHUB_CREDENTIALS_SECRET_ARN' in env, handler).toBe(
        Boolean(access.adapters?.includes('gitops')),
      );
      expect(env.WHARF_ARGOCD_URL, handler).toBe(
        access.adapters?.includes('sync') ? config.argoCd.url : undefined,
      );
      expect('WHARF_ARGOCD_TOKEN_SECRET_ARN' in env, handler).toBe(
        Boolean(access.adapters?.includes('sync')),
      );
      for (const name of ['WHARF_JENKINS_TOKEN', 'WHARF_GITHUB_CREDENTIALS', 'WHARF_ARGOCD_TOKEN'])
        expect(name in env, handler).toBe(false);
      expect(env.WHARF_PLATFORM_DOMAIN, handler).toBe(access.platform ? config.platformDomain : undefined);
      // Rendering manifests names the bucket the backup CronJobs write to; listing reads it.
      expect(env.WHARF_BACKUP_BUCKET, handler).toBe(
        access.listsBackups || access.platform ? config.backupBucket : undefined,
      );
    }
  });

  it('let the state machine invoke its task functions and nothing else', () => {
    const fns = functionsByHandler();
    const sm = resources('workflow', 'AWS::StepFunctions::StateMachine')[0]?.[1] as Resource;
    const roleId = sm.Properties.RoleArn['Fn::GetAtt'][0];
    const statements = resources('workflow', 'AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const invoke = statements.filter((s: any) => actionsOf(s).some((a) => a.startsWith('lambda:')));
    expect(invoke).toHaveLength(1);
    expect(actionsOf(invoke[0])).toEqual(['lambda:InvokeFunction']);
    expect(resourcesOf(invoke[0]).sort()).toEqual(
      Object.values(deployProjectTasks)
        .map((h) => `<${fns.get(h)?.id}.Arn>`)
        .sort(),
    );
    const services = new Set(statements.flatMap((s: any) => actionsOf(s).map((a) => a.split(':')[0])));
    expect([...services].sort()).toEqual(['lambda', 'logs', 'xray']);
  });
});

describe('the DeployProject state machine', () => {
  const stateMachine = () => resources('workflow', 'AWS::StepFunctions::StateMachine')[0]?.[1] as Resource;

  it('is functions/sfn/definition.ts with each task function substituted', () => {
    const fns = functionsByHandler();
    const { DefinitionString, DefinitionSubstitutions } = stateMachine().Properties;
    // The test stage keeps the default approval timeout (24 h).
    expect(JSON.parse(DefinitionString)).toEqual(JSON.parse(deployProjectDefinition));

    const tasks = Object.keys(deployProjectTasks) as DeployProjectTask[];
    expect(Object.keys(DefinitionSubstitutions).sort()).toEqual(tasks.map(functionArnVariable).sort());
    // Substitute as Step Functions will, then compare with the definition wired to the right functions.
    const arnOf = (task: DeployProjectTask) => `arn-of:${fns.get(deployProjectTasks[task])?.id}`;
    let deployed = DefinitionString as string;
    for (const [variable, value] of Object.entries(DefinitionSubstitutions)) {
      deployed = deployed.replaceAll(`\${${variable}}`, `arn-of:${(value as any)['Fn::GetAtt'][0]}`);
    }
    expect(deployed).not.toMatch(/\$\{/);
    let expected = deployProjectDefinition;
    for (const task of tasks) expected = expected.replaceAll(`\${${functionArnVariable(task)}}`, arnOf(task));
    expect(JSON.parse(deployed)).toEqual(JSON.parse(expected));
  });

  it('is a standard workflow, named by stage, logging everything and traced', () => {
    expect(stateMachine().Properties).toMatchObject({
      StateMachineName: 'wharf-test-DeployProject',
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
      TracingConfiguration: { Enabled: true },
    });
  });

  it('task functions give up before their state times out', () => {
    const fns = functionsByHandler();
    const states = JSON.parse(deployProjectDefinition).States;
    for (const [task, handler] of Object.entries(deployProjectTasks)) {
      expect(fns.get(handler)?.fn.Properties.Timeout).toBeLessThan(
        task === 'AwaitApproval' ? CALLBACK_TIMEOUT_SECONDS + 1 : states[task].TimeoutSeconds,
      );
    }
  });
});

describe('the execution-status rule (no stuck run)', () => {
  it('sends DeployProject executions that failed, timed out or were aborted to events/execution-status', () => {
    const fns = functionsByHandler();
    const target = fns.get(eventRoutes.executionStatus);
    expect(target?.part).toBe('workflow');
    const smId = resources('workflow', 'AWS::StepFunctions::StateMachine')[0]?.[0];
    templates.workflow.hasResourceProperties('AWS::Events::Rule', {
      State: 'ENABLED',
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: smId }] },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [target?.id, 'Arn'] } })],
    });
    // EventBridge may invoke that function, and only from this rule.
    templates.workflow.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [target?.id, 'Arn'] },
    });
  });
});

describe('the stateful stack', () => {
  it('holds the table as tableDefinition says: on demand, PITR, deletion protection, TTL, gsi1, retained', () => {
    const d = tableDefinition;
    const [, table] = resources('stateful', 'AWS::DynamoDB::GlobalTable')[0] as [string, Resource];
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      ...tableKeySchemas(),
      TimeToLiveSpecification: { AttributeName: d.timeToLiveAttribute, Enabled: true },
      Replicas: [
        expect.objectContaining({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
    });
  });

  it('is termination-protected and retains the platform secrets, outside the project-secret prefix', () => {
    expect(stacks.stateful.terminationProtection).toBe(true);
    const secrets = resources('stateful', 'AWS::SecretsManager::Secret');
    expect(secrets.map(([, s]) => s.Properties.Name).sort()).toEqual([
      'wharf-platform/test/argocd',
      'wharf-platform/test/github',
      'wharf-platform/test/github-webhook',
      'wharf-platform/test/jenkins',
    ]);
    for (const [, s] of secrets) {
      expect(s.DeletionPolicy).toBe('Retain');
      expect(s.Properties.Name.startsWith('wharf/')).toBe(false);
    }
  });

  it('stacks deploy in order: stateful → api → workflow → web, with no way back', () => {
    const deps = (s: Stack) => s.dependencies.map((d) => d.stackName).sort();
    expect(deps(stacks.stateful)).toEqual([]);
    expect(deps(stacks.api)).toEqual([stacks.stateful.stackName]);
    expect(deps(stacks.workflow)).toEqual([stacks.api.stackName, stacks.stateful.stackName].sort());
    expect(deps(stacks.web)).toEqual([stacks.api.stackName, stacks.workflow.stackName].sort());
  });
});

describe('the web stack', () => {
  it('keeps the site bucket private, encrypted and SSL-only, behind origin access control', () => {
    templates.web.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: Match.objectLike({}),
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'site/' }),
    });
    templates.web.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    templates.web.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
  });

  it('forwards /api/* and /ws to the two APIs: every method, no caching, every viewer header but Host', () => {
    const [, distribution] = resources('web', 'AWS::CloudFront::Distribution')[0] as [string, Resource];
    const dc = distribution.Properties.DistributionConfig;
    const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
    const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';
    const origins = new Map(dc.Origins.map((o: any) => [o.Id, flattenCfnReference(o.DomainName)]));
    const behaviors = new Map(dc.CacheBehaviors.map((b: any) => [b.PathPattern, b]));
    expect([...behaviors.keys()].sort()).toEqual(['/api/*', '/ws']);
    const apiExport = (kind: 'HttpApi' | 'WebSocketApi') =>
      new RegExp(`^Wharf-test-Api:ExportsOutputRef${kind}\\w+\\.execute-api\\.`);
    for (const [path, kind] of [
      ['/api/*', 'HttpApi'],
      ['/ws', 'WebSocketApi'],
    ] as const) {
      const b = behaviors.get(path) as any;
      expect(b.AllowedMethods.sort(), path).toEqual([
        'DELETE',
        'GET',
        'HEAD',
        'OPTIONS',
        'PATCH',
        'POST',
        'PUT',
      ]);
      expect(b.CachePolicyId, path).toBe(CACHING_DISABLED);
      expect(b.OriginRequestPolicyId, path).toBe(ALL_VIEWER_EXCEPT_HOST_HEADER);
      expect(b.ViewerProtocolPolicy, path).toBe('https-only');
      expect(origins.get(b.TargetOriginId), path).toMatch(apiExport(kind));
    }
    expect(dc.Logging).toBeDefined();
    expect(dc.DefaultCacheBehavior.ResponseHeadersPolicyId).toBeDefined();
  });

  it('sends security headers on every response', () => {
    templates.web.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: {
          StrictTransportSecurity: Match.objectLike({ IncludeSubdomains: true }),
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ReferrerPolicy: Match.objectLike({ ReferrerPolicy: 'strict-origin-when-cross-origin' }),
          ContentSecurityPolicy: Match.objectLike({
            ContentSecurityPolicy: Match.stringLikeRegexp("frame-ancestors 'none'"),
          }),
        },
      },
    });
  });

  it('writes the runtime config.json (issuer, client id) next to the app, at deploy', () => {
    const files = readdirSync(outdir)
      .filter((d) => d.startsWith('asset.'))
      .map((d) => join(outdir, d, 'config.json'))
      .filter((f) => existsSync(f));
    expect(files).toHaveLength(1);
    expect(JSON.parse(readFileSync(files[0] as string, 'utf8'))).toEqual({
      issuer: config.oidc.issuer,
      clientId: config.oidc.clientId,
      audience: config.oidc.audience,
      apiUrl: '/api',
      webSocketUrl: '/ws',
      mode: 'cloud',
      region: config.region,
      // The partition is a deploy-time value: the asset holds a marker the deployment fills in.
      stateMachineArn: expect.stringMatching(
        new RegExp(
          `^arn:.+:states:${config.region}:${config.account}:stateMachine:wharf-test-DeployProject$`,
        ),
      ),
    });
    templates.web.resourceCountIs('Custom::CDKBucketDeployment', 2);
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  const acknowledgements = () => {
    const out: Array<{ path: string; id: string; reason: string }> = [];
    const visit = (c: IConstruct) => {
      for (const a of acknowledgementsOn(c)) {
        if (a.id.startsWith('AwsSolutions-')) out.push({ path: c.node.path, ...a });
      }
      for (const child of c.node.children) visit(child);
    };
    visit(app);
    return out;
  };

  it('reports no unacknowledged error or warning', () => {
    const findings = nag.violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`),
    );
    expect(findings).toEqual([]);
  });

  it('has a written reason on every acknowledgement, one that no other rule shares, and no stale ones', () => {
    const all = acknowledgements();
    expect(all.length).toBeGreaterThan(0);
    const rulesByReason = new Map<string, Set<string>>();
    for (const { path, id, reason } of all) {
      expect(reason.length, `${path} ${id}`).toBeGreaterThanOrEqual(60);
      expect(reason, `${path} ${id}`).not.toMatch(/^(todo|n\/a|ok|suppress|ignore|false positive)/i);
      // The same reason may cover one rule on several resources, never two different rules.
      rulesByReason.set(reason, (rulesByReason.get(reason) ?? new Set()).add(id.replace(/\[.*$/, '')));
    }
    const stale = all.filter(({ path, id }) => !usedAcknowledgements.has(`${path}|${id}`));
    expect(stale.map(({ path, id }) => `${id} on ${path} matches no finding`)).toEqual([]);
    for (const [reason, ids] of rulesByReason) expect([...ids], reason).toHaveLength(1);
  });

  it('leaves no CDK warnings or errors on any stack', () => {
    for (const stack of Object.values(stacks)) {
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue()), stack.stackName).toEqual([]);
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue()), stack.stackName).toEqual([]);
    }
  });

  it('is what app.ts runs on `cdk synth`', () => {
    const source = readFileSync(new URL('./app.ts', import.meta.url), 'utf8');
    expect(source).toMatch(/Validations\.of\(app\)\.addPlugins\(new AwsSolutionsChecks\(app\)\)/);
  });
});
