import {
  ArnFormat,
  Aws,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as EdgeFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';
import { acknowledgeWildcardResource } from '../nag.ts';
import { stateMachineArn } from '../names.ts';
import { webAssetsDir } from '../paths.ts';

export interface WebStackProps extends StackProps {
  config: StageConfig;
  httpApiId: string;
  webSocketApiId: string;
}

/** What the SPA reads at start (`/config.json`): where to sign in; the API and live channel are this origin. */
export interface WebRuntimeConfig {
  issuer: string;
  clientId: string;
  audience: string;
  apiUrl: string;
  webSocketUrl: string;
  mode: 'cloud';
  /** For the run page's link to the Step Functions console. */
  region?: string;
  stateMachineArn?: string;
}

export const webRuntimeConfig = (config: StageConfig, stateMachineArn?: string): WebRuntimeConfig => ({
  issuer: config.oidc.issuer,
  clientId: config.oidc.clientId,
  audience: config.oidc.audience,
  apiUrl: '/api',
  webSocketUrl: '/ws',
  mode: 'cloud',
  ...(config.region ? { region: config.region } : {}),
  ...(stateMachineArn ? { stateMachineArn } : {}),
});

/** Client-side routes (no file extension) get the app shell; files are served as they are. */
const SPA_ROUTING = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.lastIndexOf('.') <= uri.lastIndexOf('/')) request.uri = '/index.html';
  return request;
}`;

/**
 * The SPA on S3 behind CloudFront (origin access control), with `/api/*` and `/ws` forwarded to the
 * two APIs so the browser sees one origin: no CORS, and the WebSocket URL is relative.
 */
export class WebStack extends Stack {
  readonly distribution: Distribution;
  readonly siteBucket: Bucket;

  constructor(scope: Construct, id: string, props: WebStackProps) {
    super(scope, id, props);
    const { config } = props;

    const logsBucket = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logs are written with an ACL.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(Math.max(config.logRetentionDays, 30)) }],
    });

    this.siteBucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: logsBucket,
      serverAccessLogsPrefix: 'site/',
    });

    const securityHeaders = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: `Wharf ${config.stage}: security headers on every response`,
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          // The SPA signs in against the issuer (discovery, token endpoint) and talks to this origin only.
          contentSecurityPolicy: [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            `connect-src 'self' ${new URL(config.oidc.issuer).origin}`,
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
          ].join('; '),
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
      },
    });

    const apiOrigin = (apiId: string) =>
      new HttpOrigin(`${apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`, {
        protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
        originSslProtocols: [OriginSslPolicy.TLS_V1_2],
        readTimeout: Duration.seconds(30),
      });
    // API traffic: every method, never cached, every viewer header (Authorization, Sec-WebSocket-*)
    // and the query string forwarded, but the Host header: API Gateway routes on its own host name.
    const apiBehavior = (origin: HttpOrigin) => ({
      origin,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      responseHeadersPolicy: securityHeaders,
    });

    const domain = config.customDomain;
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `Wharf ${config.stage}`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.siteBucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: securityHeaders,
        functionAssociations: [
          {
            eventType: FunctionEventType.VIEWER_REQUEST,
            function: new EdgeFunction(this, 'SpaRouting', {
              code: FunctionCode.fromInline(SPA_ROUTING),
              runtime: FunctionRuntime.JS_2_0,
              comment: 'Client-side routes get index.html',
            }),
          },
        ],
      },
      additionalBehaviors: {
        '/api/*': apiBehavior(apiOrigin(props.httpApiId)),
        // The WebSocket stage is named `ws`, so the path reaches it unchanged.
        '/ws': apiBehavior(apiOrigin(props.webSocketApiId)),
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logsBucket,
      logFilePrefix: 'cloudfront/',
      ...(domain
        ? {
            domainNames: [domain.domainName],
            certificate: Certificate.fromCertificateArn(this, 'Certificate', domain.certificateArn),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
      ...(config.webAclArn ? { webAclId: config.webAclArn } : {}),
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'Wharf is used by engineering teams wherever they are; who may sign in is decided by the OIDC issuer, not by country.',
    });
    if (!config.webAclArn) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR2',
        reason:
          'No web ACL is configured for this stage (webAclArn): CloudFront web ACLs live in us-east-1 and are shared per organisation; API stages are throttled and every API route but health and the HMAC-checked webhook needs a JWT.',
      });
    }
    if (!domain) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'Without a custom domain (domainName/certificateArn) the distribution uses the *.cloudfront.net certificate, whose minimum TLS version CloudFront does not let us choose.',
      });
    }

    this.deploySite(config);

    new CfnOutput(this, 'Url', {
      value: `https://${domain?.domainName ?? this.distribution.distributionDomainName}`,
      description: 'The Wharf web app; the API is at /api and the live channel at /ws',
    });
    new CfnOutput(this, 'DistributionDomainName', {
      value: this.distribution.distributionDomainName,
      description: 'Point the custom domain (CNAME or alias record) here',
    });
  }

  /**
   * Uploads the SPA and its runtime config.json. Hashed build output (`assets/`) is cached for a
   * year; everything else (index.html, config.json, …) is revalidated and invalidated on deploy.
   * Old files stay (prune off), so a browser mid-session still loads the chunks it asks for.
   */
  private deploySite(config: StageConfig) {
    const stack = Stack.of(this);
    const logGroup = new LogGroup(this, 'SiteDeploymentLogs', {
      logGroupName: `/wharf/${config.stage}/web/site-deployment`,
      retention: config.logRetentionDays as RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // BucketDeployment's own grants use action wildcards (s3:GetObject*, s3:List*, …); this role
    // gets the exact actions its `aws s3 cp/sync` and invalidation use, and ignores those grants.
    const role = new Role(this, 'SiteDeploymentRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Uploads the Wharf web app to its bucket and invalidates the distribution',
    });
    const assetsBucketArn = `arn:${Aws.PARTITION}:s3:::cdk-${stack.synthesizer.bootstrapQualifier ?? 'hnb659fds'}-assets-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
    const statements = [
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
      new PolicyStatement({ actions: ['s3:GetObject'], resources: [`${assetsBucketArn}/*`] }),
      new PolicyStatement({
        actions: ['s3:ListBucket', 's3:GetBucketTagging'],
        resources: [this.siteBucket.bucketArn],
      }),
      new PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        resources: [this.siteBucket.arnForObjects('*')],
      }),
      new PolicyStatement({
        actions: ['cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation'],
        resources: [
          stack.formatArn({
            service: 'cloudfront',
            region: '',
            resource: 'distribution',
            resourceName: this.distribution.distributionId,
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
      }),
    ];
    for (const statement of statements) role.addToPrincipalPolicy(statement);
    const fixedRole = role.withoutPolicyUpdates();

    const webDir = webAssetsDir();
    const common = {
      destinationBucket: this.siteBucket,
      role: fixedRole,
      logGroup,
      prune: false,
      memoryLimit: 512,
    };
    new BucketDeployment(this, 'HashedAssets', {
      ...common,
      sources: [Source.asset(webDir)],
      exclude: ['*'],
      include: ['assets/*'],
      cacheControl: [
        CacheControl.setPublic(),
        CacheControl.maxAge(Duration.days(365)),
        CacheControl.immutable(),
      ],
    });
    new BucketDeployment(this, 'AppShell', {
      ...common,
      sources: [
        Source.asset(webDir),
        Source.jsonData('config.json', webRuntimeConfig(config, stateMachineArn(this, config))),
      ],
      exclude: ['assets/*'],
      cacheControl: [CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: ['/*'],
    });

    acknowledgeWildcardResource(
      role,
      `${assetsBucketArn}/*`,
      'The web app and config.json are CDK file assets whose object keys are content hashes; read-only, in the CDK bootstrap bucket.',
    );
    acknowledgeWildcardResource(
      role,
      this.siteBucket.arnForObjects('*'),
      'aws s3 sync writes and replaces any file of the web build in the site bucket, which holds nothing else.',
    );
    // The deployment handler is aws-cdk-lib's singleton function (Python with the AWS CLI layer).
    const handler = stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (handler) {
      Validations.of(handler).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          "aws-cdk-lib's BucketDeployment handler: its Python runtime is chosen, and moved forward, by aws-cdk-lib, not by this app.",
      });
    }
  }
}
