/*
 * Plain data, no imports: the S3 layout the functions write and the grants infra scopes to it. Infra imports this
 * module as a value (the architecture test allows it), so the prefix a function writes under and the prefix its IAM
 * policy allows are one constant.
 */

/** The S3 key prefix every stored object lives under (`videos/{userId}/{videoId}/{file}`); grants are scoped to it. */
export const VIDEO_KEY_PREFIX = 'videos/';
