/*
 * The region every AWS client is created in: AWS_REGION (set by Lambda), else AWS_DEFAULT_REGION.
 * Endpoints come from the SDK's own AWS_ENDPOINT_URL_DYNAMODB / _S3 / _SFN environment variables, so no client
 * module knows whether it runs locally or in AWS.
 */

/** The region of the module-scope clients in shared/aws/. */
export const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
