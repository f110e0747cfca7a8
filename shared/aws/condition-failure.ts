/**
 * Whether a DynamoDB write failed its condition (`ConditionalCheckFailedException`): the expected "someone else got
 * there first" answer, not an error. By name, so it holds for the document client and the plain client alike.
 */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
