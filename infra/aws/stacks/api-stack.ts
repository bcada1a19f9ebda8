import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  LogGroupLogDestination,
  WebSocketApi,
  WebSocketStage,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer, WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration, WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { httpRoutes, wsRoutes } from '../../../functions/routes.ts';
import type { StageConfig } from '../config.ts';
import type { ConnectionsEndpoint, ControlPlaneFunction } from '../constructs/control-plane-function.ts';
import { constructIdFor, type HandlerBindings, handlerFunction } from '../constructs/handler-functions.ts';
import {
  connectionsEndpoint,
  stateMachineArn,
  stateMachineName,
  WEBSOCKET_STAGE,
  webSocketApiExport,
} from '../names.ts';

export interface ApiStackProps extends StackProps {
  config: StageConfig;
  table: ITableV2;
  webhookSecret: ISecret;
  /** Jenkins, GitHub and Argo CD credentials, for the handlers that use those adapters (project delete: GitHub). */
  deliverySecrets: NonNullable<HandlerBindings['deliverySecrets']>;
  alarmTopic: ITopic;
}

/** Handlers that loop over work (a push deploys every tracking project) get the API's whole 30 s. */
const LONG_RUNNING = new Set(['webhooks/github']);

/**
 * The HTTP API (one route per entry of functions/routes.ts, JWT-authorized unless the route is
 * public) and the WebSocket API (REQUEST authorizer on $connect), one function per handler.
 */
export class ApiStack extends Stack {
  readonly httpApi: HttpApi;
  readonly webSocketApi: WebSocketApi;
  readonly webSocketStage: WebSocketStage;
  readonly connections: ConnectionsEndpoint;
  readonly functions = new Map<string, ControlPlaneFunction>();

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config } = props;
    const retention = config.logRetentionDays as RetentionDays;
    const accessLogs = (name: string) =>
      new LogGroup(this, `${name}AccessLogs`, {
        logGroupName: `/wharf/${config.stage}/api/${name.toLowerCase()}-access`,
        retention,
        removalPolicy: RemovalPolicy.DESTROY,
      });

    // The WebSocket API first: the HTTP handlers that start runs push to its connections.
    this.webSocketApi = new WebSocketApi(this, 'WebSocketApi', {
      apiName: `wharf-${config.stage}-ws`,
      description: 'Wharf live channel: run logs and status (functions/routes.ts wsRoutes)',
    });
    this.webSocketStage = new WebSocketStage(this, 'WebSocketStage', {
      webSocketApi: this.webSocketApi,
      stageName: WEBSOCKET_STAGE,
      autoDeploy: true,
      throttle: config.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs('WebSocket')),
        // Never the query string: it carries the access token.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            eventType: '$context.eventType',
            connectionId: '$context.connectionId',
            status: '$context.status',
            userId: '$context.authorizer.principalId',
            error: '$context.error.message',
            authorizerError: '$context.authorizer.error',
            integrationError: '$context.integration.error',
            integrationLatency: '$context.integrationLatency',
          }),
        ),
      },
    });
    // Execution logs at ERROR (authorizer and integration failures); never data traces (tokens).
    const wsStage = this.webSocketStage.node.defaultChild as CfnStage;
    wsStage.addPropertyOverride('DefaultRouteSettings.LoggingLevel', 'ERROR');
    wsStage.addPropertyOverride('DefaultRouteSettings.DataTraceEnabled', false);

    this.connections = connectionsEndpoint(this.webSocketApi.apiId);
    new CfnOutput(this, 'WebSocketApiId', {
      value: this.webSocketApi.apiId,
      exportName: webSocketApiExport(config),
      description: 'Imported by the workflow stack (its tasks push run events to this API)',
    });
    const bindings: HandlerBindings = {
      config,
      table: props.table,
      webhookSecret: props.webhookSecret,
      deliverySecrets: props.deliverySecrets,
      // By name: the workflow stack comes after this one (its tasks push to the WebSocket API).
      stateMachine: { arn: stateMachineArn(this, config), name: stateMachineName(config) },
      connections: this.connections,
    };
    const fn = (handler: string, description: string, timeout?: Duration) => {
      const existing = this.functions.get(handler);
      if (existing) return existing;
      const created = handlerFunction(this, handler, description, bindings, timeout ? { timeout } : {});
      this.functions.set(handler, created);
      return created;
    };

    // WebSocket routes: the authorizer guards $connect (browsers cannot set headers on a WebSocket,
    // so the token is the `token` query parameter); $disconnect and $default run on that connection.
    const authorizer = new WebSocketLambdaAuthorizer(
      'TokenAuthorizer',
      fn(wsRoutes.authorizer, 'WebSocket $connect authorizer: verifies the ?token access token').function,
      { identitySource: ['route.request.querystring.token'], authorizerName: 'token' },
    );
    const wsIntegration = (route: '$connect' | '$disconnect' | '$default') =>
      new WebSocketLambdaIntegration(
        `${constructIdFor(wsRoutes[route])}Integration`,
        fn(wsRoutes[route], `WebSocket ${route}`).function,
      );
    this.webSocketApi.addRoute('$connect', { integration: wsIntegration('$connect'), authorizer });
    for (const route of ['$disconnect', '$default'] as const) {
      const created = this.webSocketApi.addRoute(route, { integration: wsIntegration(route) });
      Validations.of(created).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: `API Gateway runs WebSocket authorizers on $connect only; ${route} runs on a connection the token authorizer already admitted.`,
      });
    }

    // The HTTP API: routes from the route table, the JWT authorizer on every `auth: 'jwt'` route.
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `wharf-${config.stage}-http`,
      description: 'Wharf REST API (functions/routes.ts httpRoutes)',
      createDefaultStage: false,
    });
    new HttpStage(this, 'HttpDefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: config.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs('Http')),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            method: '$context.httpMethod',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            userId: '$context.authorizer.claims.sub',
            latency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            authorizerError: '$context.authorizer.error',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    const jwt = new HttpJwtAuthorizer('JwtAuthorizer', config.oidc.issuer, {
      authorizerName: 'jwt',
      jwtAudience: [config.oidc.audience],
      identitySource: ['$request.header.Authorization'],
    });
    for (const route of httpRoutes) {
      if (route.localOnly) continue;
      const handler = fn(
        route.handler,
        `${route.method} ${route.path}: ${route.summary}`,
        LONG_RUNNING.has(route.handler) ? Duration.seconds(29) : undefined,
      );
      const [created] = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(
          `${constructIdFor(route.handler)}Integration`,
          handler.function,
        ),
        authorizer: route.auth === 'jwt' ? jwt : new HttpNoneAuthorizer(),
      });
      if (route.auth === 'none' && created) {
        Validations.of(created).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            route.handler === 'webhooks/github'
              ? 'GitHub cannot send a bearer token: the webhook handler verifies X-Hub-Signature-256 (HMAC, constant time) before reading the body.'
              : route.handler.startsWith('http/openapi/')
                ? `${route.method} ${route.path} describes the API (OpenAPI document, reference page): built from the code at cold start, it reads no data.`
                : `${route.method} ${route.path} is the unauthenticated liveness check; it reads nothing and returns a constant.`,
        });
      }
    }

    new CfnOutput(this, 'HttpApiEndpoint', {
      value: this.httpApi.apiEndpoint,
      description: 'The HTTP API without CloudFront (routes under /api)',
    });
    new CfnOutput(this, 'WebSocketManagementEndpoint', {
      value: this.connections.callbackUrl,
      description: 'postToConnection endpoint (WHARF_WS_ENDPOINT)',
    });

    new Alarm(this, 'HttpServerErrors', {
      alarmName: `wharf-${config.stage}-http-5xx`,
      alarmDescription:
        'The Wharf HTTP API answered 5xx at least 5 times in 5 minutes: check the function logs.',
      metric: this.httpApi.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 5,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new SnsAction(props.alarmTopic));
  }
}
