import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/config';
import { STATE_NAMES } from '../../state-machines/video-pipeline';

// The one drawing of the video pipeline (docs/ARCHITECTURE.md, "The path of a video") against its definition.

/** The first Mermaid block after the heading `## The path of a video`. */
function pipelineDrawing(markdown: string): string {
  const section = markdown.split('\n## The path of a video\n')[1] ?? '';
  return section.split('```mermaid\n')[1]?.split('\n```')[0] ?? '';
}

/** The names of the drawing's nodes: `id[Label]`, `id{Label}`, `id([Label])`, the label's first word. */
function nodeNames(drawing: string): string[] {
  return [...drawing.matchAll(/\b\w+(?:\(?\[|\{)([A-Za-z0-9]+)/g)].map((match) => match[1]!);
}

describe('docs-pipeline', () => {
  it('returns every state of the definition, and no other, when the drawing is read', () => {
    // Prepare
    const markdown = readFileSync(join(REPO_ROOT, 'docs/ARCHITECTURE.md'), 'utf8');

    // Act
    const names = new Set(nodeNames(pipelineDrawing(markdown)));

    // Assess
    expect([...names].sort()).toEqual(Object.values(STATE_NAMES).sort());
  });

  it('returns a drawing without a state when a state is left out', () => {
    // Prepare
    const markdown = [
      '## The path of a video',
      '```mermaid',
      'flowchart TD',
      '  c[CreateGenerationJob] --> rl{IsProviderRateLimited}',
      '  rl --> w[WaitBeforePoll] --> ok([VideoReady])',
      '```',
    ].join('\n');

    // Act
    const names = nodeNames(pipelineDrawing(`\n${markdown}`));

    // Assess
    expect(names).toEqual(['CreateGenerationJob', 'IsProviderRateLimited', 'WaitBeforePoll', 'VideoReady']);
    expect(names.sort()).not.toEqual(Object.values(STATE_NAMES).sort());
  });
});
