import { describe, expect, it } from 'vitest';
import { LocalTemplate } from '../../../local/template/resolve';

const template = new LocalTemplate([
  {
    stackName: 'Data',
    template: {
      Resources: {
        Table: { Type: 'AWS::DynamoDB::Table' },
        Videos: { Type: 'AWS::S3::Bucket' },
        Secret: { Type: 'AWS::SecretsManager::Secret' },
      },
      Outputs: {
        TableArn: { Value: { 'Fn::GetAtt': ['Table', 'Arn'] }, Export: { Name: 'Data:TableArn' } },
      },
    },
  },
  {
    stackName: 'App',
    template: {
      Resources: {
        Fn: { Type: 'AWS::Lambda::Function', Properties: {} },
        Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { StateMachineName: 'pipeline' } },
      },
    },
  },
]);

describe('LocalTemplate', () => {
  it('returns local physical names and ARNs when resolving Ref and Fn::GetAtt', () => {
    expect(template.resolve('Data', { Ref: 'Table' })).toBe('Data-Table');
    expect(template.resolve('Data', { Ref: 'Videos' })).toBe('data-videos');
    expect(template.resolve('App', { 'Fn::GetAtt': ['Fn', 'Arn'] })).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:App-Fn',
    );
    expect(template.resolve('App', { Ref: 'Machine' })).toBe(
      'arn:aws:states:us-east-1:000000000000:stateMachine:pipeline',
    );
    expect(String(template.resolve('Data', { Ref: 'Secret' }))).toMatch(/^arn:aws:secretsmanager:.+:secret:Secret-/);
  });

  it('returns the exporting stack value when resolving Fn::ImportValue', () => {
    expect(template.resolve('App', { 'Fn::ImportValue': 'Data:TableArn' })).toBe(
      'arn:aws:dynamodb:us-east-1:000000000000:table/Data-Table',
    );
  });

  it('joins, subs, selects and splits when given nested intrinsics', () => {
    const joined = template.resolve('App', {
      'Fn::Join': ['', ['{"Resource":"', { 'Fn::GetAtt': ['Fn', 'Arn'] }, '"}']],
    });
    const subbed = template.resolve('App', {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
      'Fn::Sub': ['${AWS::Region}/${Fn.Arn}/${Name}/${!Literal}', { Name: 'x' }],
    });
    const selected = template.resolve('App', { 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] });

    expect(JSON.parse(String(joined)).Resource).toContain(':function:App-Fn');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub leaves ${!Literal} as ${Literal}
    expect(subbed).toBe('us-east-1/arn:aws:lambda:us-east-1:000000000000:function:App-Fn/x/${Literal}');
    expect(selected).toBe('b');
  });

  it('drops AWS::NoValue properties and list items', () => {
    expect(template.resolve('App', { a: { Ref: 'AWS::NoValue' }, b: [1, { Ref: 'AWS::NoValue' }, 2] })).toEqual({
      b: [1, 2],
    });
  });

  it('throws a clear error when an import has no export', () => {
    expect(() => template.resolve('App', { 'Fn::ImportValue': 'Nope' })).toThrow('No stack exports Nope');
  });
});
