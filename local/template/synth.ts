import { LocalTemplate } from './resolve';

/**
 * Synthesizes the real CDK app in-process, with bundling skipped, and returns its templates with local names.
 * The local stack never reads a hand-written copy of the state machine, routes or tables: only this.
 */
export async function synthesizeApp(outdir: string): Promise<LocalTemplate> {
  const { buildApp } = await import('../../infra/app');
  const assembly = buildApp({ context: { 'aws:cdk:bundling-stacks': [] }, outdir }).synth();
  return new LocalTemplate(
    assembly.stacks.map((stack) => ({ stackName: stack.stackName, template: stack.template as never })),
  );
}
