import { CfnOutput, Duration, Lazy, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import {
  type ApiResources,
  ROUTE_FUNCTIONS,
  ROUTES,
  type RouteFunctionFolder,
  type RouteFunctionSpec,
  type RouteSpec,
} from '../api-routes';
import { AppFunction } from './app-function';

/** The `$default` stage's throttle: every route's, unless the route has its own. */
export const STAGE_THROTTLE: apigwv2.ThrottleSettings = { rateLimit: 50, burstLimit: 100 };

/**
 * The unauthenticated routes' own throttles, by route key, far below the stage's: anyone can call them, and no caller
 * needs them in bulk (a health probe, the API document, the provider's webhooks, which it retries after a 429 and
 * which polling backs up). A route setting replaces the stage's default for that route.
 */
export const PUBLIC_ROUTE_THROTTLES: Readonly<Record<string, apigwv2.ThrottleSettings>> = {
  'GET /v1/health': { rateLimit: 5, burstLimit: 10 },
  'GET /v1/openapi.json': { rateLimit: 2, burstLimit: 5 },
  'POST /v1/provider/webhooks': { rateLimit: 10, burstLimit: 20 },
};

export interface HttpApiProps {
  readonly resources: ApiResources;
  /** Issues the access tokens the API accepts (issuer = the pool, audience = the client id). */
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.IUserPoolClient;
  /** Origins the CORS preflight allows. */
  readonly corsAllowOrigins: string[];
  /**
   * The routes to serve.
   * @default ROUTES
   */
  readonly routes?: readonly RouteSpec[];
  /**
   * Default stage throttling for all routes (public routes have their own, PUBLIC_ROUTE_THROTTLES).
   * @default STAGE_THROTTLE
   */
  readonly throttle?: apigwv2.ThrottleSettings;
  /**
   * How long function and access logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The public HTTP API (API Gateway v2): one Lambda integration per route function, the Cognito JWT authorizer on
 * every route not marked public, CORS preflight, and a throttled, access-logged `$default` stage in which each public
 * route has a lower throttle of its own.
 */
export class HttpApi extends Construct {
  public readonly httpApi: apigwv2.HttpApi;
  public readonly stage: apigwv2.HttpStage;
  /** The route functions, by folder under `functions/`. */
  public readonly functions: ReadonlyMap<RouteFunctionFolder, AppFunction>;
  /** The app clients whose access tokens the JWT authorizer accepts (its audience). */
  private readonly audiences: string[];

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const routes = props.routes ?? ROUTES;

    this.audiences = [props.userPoolClient.userPoolClientId];
    // Lazy: an app client made after the API (the console's, whose callback URL is the distribution in front of this
    // API) joins the audience through allowClient.
    const authorizer = new HttpJwtAuthorizer('CognitoJwt', props.userPool.userPoolProviderUrl, {
      jwtAudience: Lazy.list({ produce: () => this.audiences }),
    });
    this.httpApi = new apigwv2.HttpApi(this, 'Api', {
      description: 'reelflow public API (v1)',
      createDefaultStage: false,
      // Secure by default: a route is public only when it says so.
      defaultAuthorizer: authorizer,
      corsPreflight: {
        allowOrigins: props.corsAllowOrigins,
        allowMethods: [apigwv2.CorsHttpMethod.ANY],
        allowHeaders: ['authorization', 'content-type', 'idempotency-key'],
        exposeHeaders: ['location', 'retry-after', 'x-request-id'],
        maxAge: Duration.hours(1),
      },
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? STAGE_THROTTLE,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTimeEpoch',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });

    const routeSettings: Record<string, { ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number }> = {};
    const functions = new Map<RouteFunctionFolder, AppFunction>();
    const integrations = new Map<RouteFunctionFolder, HttpLambdaIntegration>();
    for (const route of routes) {
      let integration = integrations.get(route.folder);
      if (integration === undefined) {
        const spec: RouteFunctionSpec = ROUTE_FUNCTIONS[route.folder];
        const fn = new AppFunction(this, `${pascalCase(route.folder)}Function`, {
          folder: route.folder,
          logRetention,
          memorySize: spec.memorySize ?? 512,
          timeout: spec.timeout ?? Duration.seconds(10),
        });
        spec.bind(fn, props.resources);
        integration = new HttpLambdaIntegration(`${pascalCase(route.folder)}Integration`, fn);
        functions.set(route.folder, fn);
        integrations.set(route.folder, integration);
      }
      const httpRoutes = this.httpApi.addRoutes({
        path: route.path,
        methods: [route.method],
        integration,
        ...(route.public ? { authorizer: new apigwv2.HttpNoneAuthorizer() } : {}),
      });
      if (route.public) {
        const routeKey = `${route.method} ${route.path}`;
        const throttle = PUBLIC_ROUTE_THROTTLES[routeKey];
        if (!throttle) throw new Error(`public route ${routeKey} has no throttle of its own in PUBLIC_ROUTE_THROTTLES`);
        routeSettings[routeKey] = {
          ThrottlingRateLimit: throttle.rateLimit,
          ThrottlingBurstLimit: throttle.burstLimit,
        };
        // The stage's route settings name routes by key: CloudFormation must create them first.
        this.stage.node.addDependency(...httpRoutes);
        NagSuppressions.addResourceSuppressions(
          httpRoutes,
          [
            {
              id: 'AwsSolutions-APIG4',
              reason: `${route.method} ${route.path} is public by design (health and the OpenAPI document need no token)`,
            },
          ],
          true,
        );
      }
    }
    this.functions = functions;
    if (Object.keys(routeSettings).length > 0) {
      (this.stage.node.defaultChild as apigwv2.CfnStage).routeSettings = routeSettings;
    }

    new CfnOutput(this, 'Url', { value: this.stage.url });
  }

  /** Accepts the access tokens of another app client of the same user pool (e.g. the web console's). */
  public allowClient(client: cognito.IUserPoolClient): void {
    this.audiences.push(client.userPoolClientId);
  }
}

function pascalCase(folder: string): string {
  return folder.replace(/(^|-)([a-z])/g, (_match, _dash: string, letter: string) => letter.toUpperCase());
}
