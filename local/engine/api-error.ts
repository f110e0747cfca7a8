/** An error the Step Functions API answers with (its `name` is the API error code, e.g. ExecutionAlreadyExists). */
export class StepFunctionsApiError extends Error {
  constructor(code: string, message: string) {
    super(message);
    this.name = code;
  }
}
