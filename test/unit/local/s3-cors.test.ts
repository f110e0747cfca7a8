import { describe, expect, it } from 'vitest';
import { corsXml } from '../../../local/services/s3-local';

describe('corsXml', () => {
  it('writes a template bucket’s CORS rules as the S3 API’s XML, which s3rver takes', () => {
    expect(
      corsXml({
        CorsRules: [{ AllowedMethods: ['GET', 'HEAD'], AllowedOrigins: ['*'], ExposedHeaders: ['etag'], MaxAge: 3600 }],
      }),
    ).toBe(
      '<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>' +
        '<AllowedOrigin>*</AllowedOrigin><ExposeHeader>etag</ExposeHeader><MaxAgeSeconds>3600</MaxAgeSeconds>' +
        '</CORSRule></CORSConfiguration>',
    );
  });

  it('answers nothing for a bucket without CORS rules', () => {
    expect(corsXml(undefined)).toBeUndefined();
    expect(corsXml({ CorsRules: [] })).toBeUndefined();
  });
});
