/**
 * Resolves the CloudFormation intrinsics CDK emits (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::ImportValue, ...) to the
 * local stand-ins' names, across all stacks of the synthesized app.
 */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  Resources?: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}

export interface StackTemplate {
  stackName: string;
  template: CfnTemplate;
}

/** A resource with where it lives. */
export interface LocatedResource {
  stackName: string;
  logicalId: string;
  resource: CfnResource;
}

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';

const NO_VALUE = Symbol('AWS::NoValue');

/** The synthesized app, with local names for every resource. */
export class LocalTemplate {
  private readonly byStack = new Map<string, CfnTemplate>();
  private readonly exports = new Map<string, { stackName: string; value: unknown }>();

  constructor(readonly stacks: StackTemplate[]) {
    for (const { stackName, template } of stacks) {
      this.byStack.set(stackName, template);
      for (const output of Object.values(template.Outputs ?? {})) {
        if (output.Export)
          this.exports.set(String(this.resolve(stackName, output.Export.Name)), { stackName, value: output.Value });
      }
    }
  }

  /** Every resource of `type` in every stack. */
  resourcesOfType(type: string): LocatedResource[] {
    return this.stacks.flatMap(({ stackName, template }) =>
      Object.entries(template.Resources ?? {})
        .filter(([, resource]) => resource.Type === type)
        .map(([logicalId, resource]) => ({ stackName, logicalId, resource })),
    );
  }

  /** The resource `logicalId` of `stackName`; throws when missing. */
  resource(stackName: string, logicalId: string): CfnResource {
    const resource = this.byStack.get(stackName)?.Resources?.[logicalId];
    if (!resource) throw new Error(`The template of ${stackName} has no resource ${logicalId}`);
    return resource;
  }

  /** What `Ref` gives for a resource: its local physical name (or ARN, for the types whose Ref is an ARN). */
  physicalName(stackName: string, logicalId: string): string {
    const { Type: type, Properties: props = {} } = this.resource(stackName, logicalId);
    const named = (property: string) =>
      props[property] ? String(this.resolve(stackName, props[property])) : undefined;
    switch (type) {
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        return named('TableName') ?? `${stackName}-${logicalId}`;
      case 'AWS::S3::Bucket':
        return named('BucketName') ?? bucketName(`${stackName}-${logicalId}`);
      case 'AWS::Lambda::Function':
        return named('FunctionName') ?? `${stackName}-${logicalId}`;
      case 'AWS::StepFunctions::StateMachine':
        return arn('states', `stateMachine:${named('StateMachineName') ?? logicalId}`);
      case 'AWS::SecretsManager::Secret':
        return arn('secretsmanager', `secret:${named('Name') ?? logicalId}-local`);
      default:
        return logicalId;
    }
  }

  /** What `Fn::GetAtt` gives for a resource attribute. */
  attribute(stackName: string, logicalId: string, attribute: string): string {
    const { Type: type } = this.resource(stackName, logicalId);
    const name = this.physicalName(stackName, logicalId);
    switch (`${type}.${attribute}`) {
      case 'AWS::DynamoDB::Table.Arn':
      case 'AWS::DynamoDB::GlobalTable.Arn':
        return arn('dynamodb', `table/${name}`);
      case 'AWS::S3::Bucket.Arn':
        return `arn:aws:s3:::${name}`;
      case 'AWS::Lambda::Function.Arn':
        return arn('lambda', `function:${name}`);
      case 'AWS::StepFunctions::StateMachine.Arn':
      case 'AWS::SecretsManager::Secret.Arn':
        return name;
      case 'AWS::StepFunctions::StateMachine.Name':
        return name.slice(name.lastIndexOf(':') + 1);
      default:
        return `${name}.${attribute}`;
    }
  }

  /** Resolves every intrinsic in `value` as seen from `stackName`. */
  resolve(stackName: string, value: unknown): unknown {
    const resolved = this.resolveValue(stackName, value);
    return resolved === NO_VALUE ? undefined : resolved;
  }

  private resolveValue(stackName: string, value: unknown): unknown {
    if (Array.isArray(value)) {
      return value.map((item) => this.resolveValue(stackName, item)).filter((item) => item !== NO_VALUE);
    }
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    const [first] = entries;
    if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
      return this.intrinsic(stackName, first[0], first[1]);
    }
    const result: Record<string, unknown> = {};
    for (const [key, item] of entries) {
      const resolved = this.resolveValue(stackName, item);
      if (resolved !== NO_VALUE) result[key] = resolved;
    }
    return result;
  }

  private intrinsic(stackName: string, name: string, argument: unknown): unknown {
    const resolve = (value: unknown) => this.resolveValue(stackName, value);
    switch (name) {
      case 'Ref':
        return this.ref(stackName, String(argument));
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(argument) ? argument : String(argument).split('.');
        return this.attribute(stackName, String(logicalId), String(attribute));
      }
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown[]];
        return (resolve(parts) as unknown[]).map(String).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = argument as [unknown, unknown];
        return (resolve(list) as unknown[])[Number(resolve(index))];
      }
      case 'Fn::Split': {
        const [separator, source] = argument as [string, unknown];
        return String(resolve(source)).split(separator);
      }
      case 'Fn::Sub': {
        const [source, variables] = Array.isArray(argument) ? argument : [argument, {}];
        const locals = resolve(variables) as Record<string, unknown>;
        return String(source)
          .replace(/\$\{([^}!][^}]*)\}/g, (_, token: string) => {
            if (token in locals) return String(locals[token]);
            const dot = token.indexOf('.');
            if (dot > 0 && !token.startsWith('AWS::')) {
              return this.attribute(stackName, token.slice(0, dot), token.slice(dot + 1));
            }
            return String(this.ref(stackName, token));
          })
          .replace(/\$\{!/g, '${');
      }
      case 'Fn::ImportValue': {
        const exportName = String(resolve(argument));
        const exported = this.exports.get(exportName);
        if (!exported) throw new Error(`No stack exports ${exportName}`);
        return this.resolveValue(exported.stackName, exported.value);
      }
      case 'Fn::Base64':
        return Buffer.from(String(resolve(argument))).toString('base64');
      default:
        throw new Error(`The local stack cannot resolve ${name} (in ${stackName})`);
    }
  }

  private ref(stackName: string, target: string): unknown {
    switch (target) {
      case 'AWS::Region':
        return LOCAL_REGION;
      case 'AWS::AccountId':
        return LOCAL_ACCOUNT;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stackName;
      case 'AWS::StackId':
        return arn('cloudformation', `stack/${stackName}/local`);
      case 'AWS::NoValue':
        return NO_VALUE;
      default:
        return this.physicalName(stackName, target);
    }
  }
}

function arn(service: string, resource: string): string {
  return `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${resource}`;
}

/** A valid S3 bucket name from a logical name. */
function bucketName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 63)
    .replace(/-+$/, '');
}
