import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aws, CfnOutput, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { buildConsole } from '../../console/build';
import { consoleContentSecurityPolicy } from '../../console/content-security-policy';

/** Where the console lives on the distribution (and under which key prefix in its bucket). */
export const CONSOLE_PATH = '/console/';

export interface WebConsoleProps {
  /** The HTTP API served at `/v1/*` on the same distribution: the console calls it same-origin, with no CORS. */
  readonly httpApi: apigwv2.IHttpApi;
  /** The video bucket: the API's 302s for thumbnails and downloads lead to presigned URLs there. */
  readonly bucket: s3.IBucket;
  /** The user pool whose managed login signs people in. */
  readonly userPool: cognito.IUserPool;
  /**
   * The prefix of the managed login's domain (`<prefix>.auth.<region>.amazoncognito.com`), unique in the region.
   * @default 'reelflow-<account id>'
   */
  readonly loginDomainPrefix?: string;
  /**
   * The directory of a built console bundle.
   * @default - built now by console/build.ts
   */
  readonly bundleDir?: string;
}

let builtBundle: string | undefined;

/** The console bundle, built once per process (synthesizing twice must not rebuild it). */
function consoleBundle(): string {
  builtBundle ??= buildConsole(mkdtempSync(join(tmpdir(), 'reelflow-console-'))).outdir;
  return builtBundle;
}

/**
 * The web console in AWS: its static bundle in a private S3 bucket read by CloudFront through origin access control,
 * the HTTP API behind the same distribution at `/v1/*` (so the console's calls are same-origin: no CORS, and the
 * sign-in callback URL is known in this stack), and a Cognito app client for the managed login with the
 * authorization code grant (a public client: no secret, PKCE) whose callback is the console's URL.
 */
export class WebConsole extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly distribution: cloudfront.Distribution;
  /** The security headers of the console's files, its Content-Security-Policy among them. */
  public readonly responseHeadersPolicy: cloudfront.ResponseHeadersPolicy;
  public readonly client: cognito.UserPoolClient;
  public readonly domain: cognito.UserPoolDomain;
  /** The console's URL, e.g. `https://d111111abcdef8.cloudfront.net/console/`. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: WebConsoleProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // Only a build's output lives here: a redeploy recreates it, so it goes with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });

    // `/console` and `/console/` are the app's page; `/` leads there. Everything else is a file or the API.
    const rewrite = new cloudfront.Function(this, 'IndexRewrite', {
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      comment: 'reelflow console: /console/ -> /console/index.html, / -> /console/',
      code: cloudfront.FunctionCode.fromInline(
        [
          'function handler(event) {',
          '  var request = event.request;',
          "  if (request.uri === '/') {",
          "    return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: '/console/' } } };",
          '  }',
          `  if (request.uri === '/console' || request.uri === '${CONSOLE_PATH}') request.uri = '${CONSOLE_PATH}index.html';`,
          '  return request;',
          '}',
        ].join('\n'),
      ),
    });
    this.domain = new cognito.UserPoolDomain(this, 'LoginDomain', {
      userPool: props.userPool,
      cognitoDomain: { domainPrefix: props.loginDomainPrefix ?? Fn.join('-', ['reelflow', Aws.ACCOUNT_ID]) },
    });
    const loginBase = this.domain.baseUrl();
    // The managed SecurityHeadersPolicy's headers, plus the console's Content-Security-Policy.
    this.responseHeadersPolicy = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'reelflow console: security headers and its Content-Security-Policy',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: consoleContentSecurityPolicy({
            identityProvider: loginBase,
            // Where the API's presigned URLs point (shared/storage/content-signer.ts): the bucket's regional host.
            media: `https://${props.bucket.bucketName}.s3.${Aws.REGION}.amazonaws.com`,
          }),
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), override: true },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
    });
    const apiDomain = Fn.select(2, Fn.split('/', props.httpApi.apiEndpoint));
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'reelflow console and API',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.responseHeadersPolicy,
        functionAssociations: [{ function: rewrite, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        '/v1/*': {
          origin: new origins.HttpOrigin(apiDomain, { protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY }),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          // Every answer is per caller: never cached. API Gateway needs its own Host header, and the bearer token.
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        },
      },
    });
    const origin = `https://${this.distribution.distributionDomainName}`;
    this.url = `${origin}${CONSOLE_PATH}`;

    this.client = new cognito.UserPoolClient(this, 'Client', {
      userPool: props.userPool,
      // A browser app cannot keep a secret: a public client, whose code exchange PKCE protects.
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
        callbackUrls: [this.url],
        logoutUrls: [this.url],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      enableTokenRevocation: true,
    });

    new s3deploy.BucketDeployment(this, 'Deployment', {
      destinationBucket: this.bucket,
      destinationKeyPrefix: CONSOLE_PATH.slice(1),
      sources: [
        s3deploy.Source.asset(props.bundleDir ?? consoleBundle()),
        s3deploy.Source.jsonData('config.json', {
          authorizeUrl: `${loginBase}/oauth2/authorize`,
          tokenUrl: `${loginBase}/oauth2/token`,
          logoutUrl: `${loginBase}/logout`,
          clientId: this.client.userPoolClientId,
        }),
      ],
      distribution: this.distribution,
      distributionPaths: [`${CONSOLE_PATH}*`],
      memoryLimit: 256,
    });

    // BucketDeployment's function is a stack-level singleton CDK owns (its runtime and its role's actions).
    for (const child of Stack.of(this).node.children) {
      if (!child.node.id.startsWith('Custom::CDKBucketDeployment')) continue;
      NagSuppressions.addResourceSuppressions(
        child,
        [
          { id: 'AwsSolutions-L1', reason: 'CDK’s BucketDeployment function: its runtime is chosen by aws-cdk-lib.' },
          {
            id: 'AwsSolutions-IAM5',
            reason:
              'CDK’s BucketDeployment copies the console’s asset objects into its own bucket and invalidates its own ' +
              'distribution: object-level wildcards on those two resources and the CDK asset bucket only.',
          },
        ],
        true,
      );
    }

    new CfnOutput(this, 'ConsoleUrl', { value: this.url, description: 'The reelflow web console' });

    NagSuppressions.addResourceSuppressions(this.bucket, [
      {
        id: 'AwsSolutions-S1',
        reason: 'The bucket holds only the console’s public build output; CloudFront is the only reader (OAC).',
      },
    ]);
    NagSuppressions.addResourceSuppressions(this.distribution, [
      {
        id: 'AwsSolutions-CFR1',
        reason: 'The console and API serve their users wherever they are: no geo restriction.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'The API behind /v1/* checks a JWT on every non-public route and throttles at its stage and on each public ' +
          'route; a WAF web ACL is a deployment choice (docs/RUNBOOK.md).',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason: 'The API stage keeps access logs of every /v1/* request; the static files need none.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason: 'The default CloudFront certificate is used (no custom domain); viewers get TLS 1.2+ where they can.',
      },
    ]);
  }
}
