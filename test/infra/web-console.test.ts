import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { consoleContentSecurityPolicy } from '../../console/content-security-policy';
import { synthesizeApp } from './app-fixture';
import { resolveCfnString } from './asl';

// The web console in AWS: bundle in a private bucket behind CloudFront (OAC), the API at /v1/* of the same
// distribution, and a managed-login app client with the authorization code grant (PKCE, no secret).
describe('WebConsole', () => {
  const { stateful, stateless, statelessTemplate: template } = synthesizeApp();
  const idOf = (construct: { node: { defaultChild?: unknown } }) =>
    stateless.getLogicalId(construct.node.defaultChild as CfnElement);
  const distributionId = idOf(stateless.webConsole.distribution);
  const bucketId = idOf(stateless.webConsole.bucket);
  const apiId = idOf(stateless.api.httpApi);
  const config = template.toJSON().Resources[distributionId].Properties.DistributionConfig;

  it('serves the bundle from its bucket through origin access control, over HTTPS only', () => {
    const s3Origin = config.Origins.find(
      (origin: { Id: string }) => origin.Id === config.DefaultCacheBehavior.TargetOriginId,
    );
    expect(resolveCfnString(s3Origin.DomainName)).toBe(`\${GetAtt:${bucketId}.RegionalDomainName}`);
    expect(s3Origin.OriginAccessControlId).toBeDefined();
    expect(s3Origin.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(config.DefaultCacheBehavior.FunctionAssociations).toHaveLength(1);
  });

  it('routes /v1/* to the HTTP API on the same distribution, uncached, every method, Host not forwarded', () => {
    expect(config.CacheBehaviors).toHaveLength(1);
    const [behavior] = config.CacheBehaviors;
    expect(behavior).toMatchObject({
      PathPattern: '/v1/*',
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
      // Managed policies: CachingDisabled and AllViewerExceptHostHeader.
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
    });
    const apiOrigin = config.Origins.find((origin: { Id: string }) => origin.Id === behavior.TargetOriginId);
    expect(resolveCfnString(apiOrigin.DomainName)).toBe(`\${Select:2:Split(/):\${GetAtt:${apiId}.ApiEndpoint}}`);
    expect(apiOrigin.CustomOriginConfig.OriginProtocolPolicy).toBe('https-only');
  });

  it('sends the console’s Content-Security-Policy with its files, naming the managed login and the video bucket', () => {
    // The default behaviour (the console's files) uses this construct's response headers policy.
    const policyId = idOf(stateless.webConsole.responseHeadersPolicy);
    expect(config.DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
    const headers = template.toJSON().Resources[policyId].Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;

    // The one definition the local console server sends too, with the deployed origins: the managed login's domain,
    // and the video bucket's regional host (the stateful stack's bucket), where the presigned URLs point.
    const csp = resolveCfnString(headers.ContentSecurityPolicy.ContentSecurityPolicy);
    const bucketId = stateful.getLogicalId(stateful.bucket.node.defaultChild as CfnElement);
    const bucketName = /\$\{Import:ReelflowStateful:ExportsOutputRef(\w+)\}\.s3\./.exec(csp);
    expect(bucketName?.[1]).toMatch(new RegExp(`^${bucketId}[0-9A-F]{8}$`));
    expect(csp).toBe(
      consoleContentSecurityPolicy({
        identityProvider: `https://\${Ref:${idOf(stateless.webConsole.domain)}}.auth.\${Ref:AWS::Region}.amazoncognito.com`,
        media: `https://\${Import:ReelflowStateful:ExportsOutputRef${bucketName?.[1]}}.s3.\${Ref:AWS::Region}.amazonaws.com`,
      }),
    );
    expect(headers.ContentSecurityPolicy.Override).toBe(true);
    // And what the managed SecurityHeadersPolicy sent before, frames refused outright.
    expect(headers).toMatchObject({
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY' },
      ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin' },
      StrictTransportSecurity: { AccessControlMaxAgeSec: 31_536_000 },
      XSSProtection: { Protection: true, ModeBlock: true },
    });
  });

  it('allows the console as the only sign-out URL of its app client (the logout_uri the console sends)', () => {
    const client = template.toJSON().Resources[idOf(stateless.webConsole.client)].Properties;
    expect(client.LogoutURLs.map(resolveCfnString)).toEqual([
      `https://\${GetAtt:${distributionId}.DomainName}/console/`,
    ]);
  });

  it('keeps the bucket private: public access blocked, TLS only, readable by this distribution alone', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy')).filter(
      (policy) => resolveCfnString(policy.Properties.Bucket) === `\${Ref:${bucketId}}`,
    );
    expect(policies).toHaveLength(1);
    // biome-ignore lint/suspicious/noExplicitAny: policy statements as JSON
    const statements = policies[0]!.Properties.PolicyDocument.Statement as Array<Record<string, any>>;
    const reads = statements.filter((statement) => statement.Effect === 'Allow' && statement.Action === 's3:GetObject');
    expect(reads).toHaveLength(1);
    expect(reads[0]!.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
    expect(JSON.stringify(reads[0]!.Condition)).toContain(distributionId);
    expect(
      statements.some(
        (statement) => statement.Effect === 'Deny' && JSON.stringify(statement).includes('SecureTransport'),
      ),
    ).toBe(true);
  });

  it('creates a public app client for the managed login: code grant only, no secret, callback the console URL', () => {
    const clientId = idOf(stateless.webConsole.client);
    const client = template.toJSON().Resources[clientId].Properties;
    expect(client).toMatchObject({
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      GenerateSecret: false,
      SupportedIdentityProviders: ['COGNITO'],
      AllowedOAuthScopes: ['openid', 'email'],
    });
    expect(client.CallbackURLs.map(resolveCfnString)).toEqual([
      `https://\${GetAtt:${distributionId}.DomainName}/console/`,
    ]);
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: Match.anyValue() });
  });

  it('deploys the bundle and a config.json naming the managed login and client under console/, and invalidates it', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketKeyPrefix: 'console/',
      DistributionPaths: ['/console/*'],
      SourceMarkers: Match.arrayWith([Match.objectLike({})]),
    });
    const deployment = Object.values(template.findResources('Custom::CDKBucketDeployment'))[0]!;
    const markers = JSON.stringify(deployment.Properties.SourceMarkers);
    // config.json's deploy-time values: the managed login's domain and the app client's id.
    expect(markers).toContain(`"Ref":"${idOf(stateless.webConsole.client)}"`);
    expect(markers).toContain(`"Ref":"${idOf(stateless.webConsole.domain)}"`);
  });
});
