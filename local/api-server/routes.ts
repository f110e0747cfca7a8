import type { LambdaRuntime } from '../lambda/runtime';
import type { LocalTemplate } from '../template/resolve';

/** One route of the HTTP API, derived from the template's `AWS::ApiGatewayV2::Route` and its integration. */
export interface LocalRoute {
  routeKey: string;
  /** Upper-case method, or `ANY`. */
  method: string;
  /** Path segments; `{name}` is a parameter, `{name+}` a greedy one. */
  segments: string[];
  /** Logical id of the function the integration calls. */
  functionKey: string;
  /** True when the route has a JWT authorizer. */
  jwt: boolean;
  payloadFormatVersion: string;
}

/** The API's CORS configuration (`CorsConfiguration` of the `AWS::ApiGatewayV2::Api`), if any. */
export interface LocalCors {
  AllowOrigins?: string[];
  AllowMethods?: string[];
  AllowHeaders?: string[];
  ExposeHeaders?: string[];
  MaxAge?: number;
  AllowCredentials?: boolean;
}

/** Reads the route table of the template's HTTP APIs: never a hand-written list. */
export function localRoutes(template: LocalTemplate, runtime: LambdaRuntime): LocalRoute[] {
  return template.resourcesOfType('AWS::ApiGatewayV2::Route').map(({ stackName, resource }) => {
    const props = template.resolve(stackName, resource.Properties ?? {}) as Record<string, unknown>;
    const routeKey = String(props.RouteKey);
    const integrationId = /^integrations\/(.+)$/.exec(String(props.Target ?? ''))?.[1];
    if (!integrationId) throw new Error(`Route ${routeKey} has no integration target the local API can follow`);
    const integration = template.resolve(
      stackName,
      template.resource(stackName, integrationId).Properties ?? {},
    ) as Record<string, unknown>;
    const uri = String(integration.IntegrationUri ?? '');
    const fn = runtime.find(uri.replace(/:(\$LATEST|\d+)$/, ''));
    if (!fn)
      throw new Error(`Route ${routeKey} integrates ${uri}, which is not a function with reelflow:handler metadata`);
    const [method = 'ANY', path = ''] = routeKey === '$default' ? ['ANY', '/{proxy+}'] : routeKey.split(' ');
    return {
      routeKey,
      method: method.toUpperCase(),
      segments: path.split('/').filter(Boolean),
      functionKey: fn.logicalId,
      jwt: props.AuthorizationType === 'JWT',
      payloadFormatVersion: String(integration.PayloadFormatVersion ?? '2.0'),
    };
  });
}

/** The CORS configuration of the first HTTP API of the template. */
export function localCors(template: LocalTemplate): LocalCors | undefined {
  const [api] = template.resourcesOfType('AWS::ApiGatewayV2::Api');
  if (!api) return undefined;
  return (template.resolve(api.stackName, api.resource.Properties ?? {}) as { CorsConfiguration?: LocalCors })
    .CorsConfiguration;
}

/** A matched route with its path parameters. */
export interface RouteMatch {
  route: LocalRoute;
  pathParameters: Record<string, string>;
}

/** A path parameter whose percent-encoding does not decode (e.g. `%ED%A0%80`, a lone surrogate). */
export class MalformedPathError extends Error {
  override name = 'MalformedPathError' as const;
  constructor(readonly segment: string) {
    super(`Malformed percent-encoding in path segment "${segment}"`);
  }
}

/**
 * Picks the route for a request as API Gateway does: the most specific path wins (literal segments over parameters,
 * greedy parameters last), then a route for the exact method over `ANY`.
 * @throws MalformedPathError when the matching route's path parameter is not valid percent-encoded UTF-8
 */
export function matchRoute(routes: LocalRoute[], method: string, path: string): RouteMatch | undefined {
  const segments = path.split('/').filter(Boolean);
  const matches = routes.flatMap((route) => {
    if (route.method !== 'ANY' && route.method !== method) return [];
    const pathParameters = matchSegments(route.segments, segments);
    return pathParameters ? [{ route, pathParameters }] : [];
  });
  return matches.sort((a, b) => specificity(b.route) - specificity(a.route))[0];
}

function matchSegments(pattern: string[], segments: string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (let index = 0; index < pattern.length; index++) {
    const part = pattern[index]!;
    const greedy = /^\{(.+)\+\}$/.exec(part);
    if (greedy?.[1]) {
      if (index >= segments.length) return undefined;
      parameters[greedy[1]] = segments.slice(index).map(decodeSegment).join('/');
      return parameters;
    }
    const segment = segments[index];
    if (segment === undefined) return undefined;
    const parameter = /^\{(.+)\}$/.exec(part);
    if (parameter?.[1]) parameters[parameter[1]] = decodeSegment(segment);
    else if (part !== segment) return undefined;
  }
  return segments.length === pattern.length ? parameters : undefined;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // decodeURIComponent throws URIError on bytes that are not UTF-8: the caller's mistake, not the server's.
    throw new MalformedPathError(segment);
  }
}

function specificity(route: LocalRoute): number {
  const greedy = route.segments.some((part) => part.endsWith('+}'));
  const literals = route.segments.filter((part) => !part.startsWith('{')).length;
  return (greedy ? 0 : 10_000) + literals * 100 + route.segments.length * 2 + (route.method === 'ANY' ? 0 : 1);
}
