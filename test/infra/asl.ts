import type { Template } from 'aws-cdk-lib/assertions';

/** The parts of an Amazon States Language document the infra tests look at. */
export interface AslState {
  Type: string;
  Resource?: string;
  Parameters?: unknown;
  ResultPath?: string | null;
  Next?: string;
  End?: boolean;
  Retry?: Array<Record<string, unknown>>;
  Catch?: Array<{ ErrorEquals: string[]; ResultPath?: string; Next: string }>;
  SecondsPath?: string;
  Choices?: Array<Record<string, unknown>>;
  Default?: string;
  ErrorPath?: string;
  CausePath?: string;
}

export interface Asl {
  StartAt: string;
  TimeoutSeconds?: number;
  QueryLanguage?: string;
  States: Record<string, AslState>;
}

/**
 * Turns a CloudFormation string expression (`Fn::Join` of literals, `Ref`, `Fn::GetAtt`, `Fn::ImportValue`) into
 * text, writing each token as a readable placeholder: `${GetAtt:LogicalId.Arn}`, `${Ref:LogicalId}`, `${Import:Name}`.
 */
export function resolveCfnString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const expression = value as Record<string, unknown>;
    const join = expression['Fn::Join'] as [string, unknown[]] | undefined;
    if (join) return join[1].map(resolveCfnString).join(join[0]);
    const getAtt = expression['Fn::GetAtt'] as [string, string] | undefined;
    if (getAtt) return `\${GetAtt:${getAtt[0]}.${getAtt[1]}}`;
    if (typeof expression.Ref === 'string') return `\${Ref:${expression.Ref}}`;
    const select = expression['Fn::Select'] as [number, { 'Fn::Split'?: [string, unknown] }] | undefined;
    const split = select?.[1]['Fn::Split'];
    if (select && split) return `\${Select:${select[0]}:Split(${split[0]}):${resolveCfnString(split[1])}}`;
    if (expression['Fn::ImportValue'] !== undefined)
      return `\${Import:${resolveCfnString(expression['Fn::ImportValue'])}}`;
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

/** The single state machine of `template` (or the one whose logical id starts with `idPrefix`), definition parsed. */
export function stateMachineOf(
  template: Template,
  idPrefix = '',
): {
  logicalId: string;
  properties: Record<string, unknown>;
  asl: Asl;
} {
  const machines = Object.entries(template.findResources('AWS::StepFunctions::StateMachine')).filter(([id]) =>
    id.startsWith(idPrefix),
  );
  if (machines.length !== 1) throw new Error(`expected one state machine, found ${machines.length}`);
  const [logicalId, resource] = machines[0]!;
  const properties = resource.Properties as Record<string, unknown>;
  return { logicalId, properties, asl: JSON.parse(resolveCfnString(properties.DefinitionString)) as Asl };
}
