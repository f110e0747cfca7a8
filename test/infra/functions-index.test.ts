import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../infra/api-routes';
import { REPO_ROOT } from '../../infra/config';
import { synthesizeApp } from './app-fixture';
import { resolveCfnString, stateMachineOf } from './asl';

// functions/README.md, the index of the function folders by trigger, checked against the synthesized app.

const SECTIONS = {
  api: 'HTTP API routes',
  pipeline: 'Video pipeline tasks',
  delivery: 'Webhook delivery tasks',
  schedules: 'Schedules',
} as const;

/** One row of the index: its section, its folder and the backquoted triggers of its cells after the first. */
interface IndexRow {
  section: string;
  folder: string;
  triggers: string[];
  /** The API section's third cell: `JWT` or `public`. */
  auth?: string;
}

/** The rows of a function index in Markdown: `| [`folder`](folder/) | `trigger` ... | ... |` under `## Section`. */
function indexRows(markdown: string): IndexRow[] {
  const rows: IndexRow[] = [];
  let section = '';
  for (const line of markdown.split('\n')) {
    const heading = /^## (.+)$/.exec(line);
    if (heading) section = heading[1]!.trim();
    const row = /^\| \[`([^`]+)`\]\(([^)]*)\) \|(.*)\|\s*$/.exec(line);
    if (!row) continue;
    const [, folder, link, rest] = row;
    // A link that does not lead to the folder is listed as a folder of that name, which is then missing.
    const cells = rest!.split('|').map((cell) => cell.trim());
    rows.push({
      section,
      folder: link === `${folder}/` ? folder! : `${folder} (linked to ${link})`,
      triggers: [...cells[0]!.matchAll(/`([^`]+)`/g)].map((match) => match[1]!),
      ...(section === SECTIONS.api ? { auth: cells[1] } : {}),
    });
  }
  return rows;
}

/** The folder each synthesized Lambda function runs, by logical id (its Powertools service name is its folder). */
function functionFolders(template: Template): Map<string, string> {
  const folders = new Map<string, string>();
  for (const [logicalId, resource] of Object.entries(template.findResources('AWS::Lambda::Function'))) {
    const folder = resource.Properties?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME;
    if (typeof folder === 'string') folders.set(logicalId, folder);
  }
  return folders;
}

/** The Task states of a state machine, by the folder of the function each invokes (states in ASL order). */
function taskStates(template: Template, idPrefix: string, folders: Map<string, string>): Map<string, string[]> {
  const byFolder = new Map<string, string[]>();
  for (const [name, state] of Object.entries(stateMachineOf(template, idPrefix).asl.States)) {
    if (state.Type !== 'Task') continue;
    const text = JSON.stringify(state);
    const invoked = [...folders].filter(([logicalId]) => text.includes(`GetAtt:${logicalId}.Arn`));
    expect(invoked, `the function of the Task state ${name}`).toHaveLength(1);
    const folder = invoked[0]![1];
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), name]);
  }
  return byFolder;
}

describe('functions/README.md', () => {
  let rows: IndexRow[];
  let template: Template;
  let folders: Map<string, string>;

  beforeAll(() => {
    rows = indexRows(readFileSync(join(REPO_ROOT, 'functions/README.md'), 'utf8'));
    template = synthesizeApp().statelessTemplate;
    folders = functionFolders(template);
  });

  it('returns every function folder exactly once when the index is read', () => {
    // Prepare
    const onDisk = readdirSync(join(REPO_ROOT, 'functions'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();

    // Act
    const listed = rows.map((row) => row.folder).sort();

    // Assess: and every folder is one deployed function.
    expect(onDisk.length).toBeGreaterThan(30);
    expect(listed).toEqual(onDisk);
    expect(rows.filter((row) => !Object.values<string>(SECTIONS).includes(row.section))).toEqual([]);
    expect([...new Set(folders.values())].sort()).toEqual(onDisk);
  });

  it('returns each route function with its routes and auth, as infra/api-routes.ts has them, when the API section is read', () => {
    // Prepare
    const expected = new Map<string, IndexRow>();
    for (const route of ROUTES) {
      const row = expected.get(route.folder) ?? {
        section: SECTIONS.api,
        folder: route.folder,
        triggers: [],
        auth: route.public ? 'public' : 'JWT',
      };
      row.triggers.push(`${route.method} ${route.path}`);
      expected.set(route.folder, row);
    }

    // Act
    const listed = rows.filter((row) => row.section === SECTIONS.api || expected.has(row.folder));

    // Assess
    expect(sortRows(listed)).toEqual(sortRows([...expected.values()]));
  });

  it('returns each task function under the states that invoke it, as the state machines have them, when the pipeline and delivery sections are read', () => {
    // Prepare
    const expected = [
      ...[...taskStates(template, 'Pipeline', folders)].map(([folder, states]) => ({
        section: SECTIONS.pipeline,
        folder,
        triggers: states,
      })),
      ...[...taskStates(template, 'WebhookDelivery', folders)].map(([folder, states]) => ({
        section: SECTIONS.delivery,
        folder,
        triggers: states,
      })),
    ];
    const taskFolders = new Set(expected.map((row) => row.folder));

    // Act
    const listed = rows.filter(
      (row) => row.section === SECTIONS.pipeline || row.section === SECTIONS.delivery || taskFolders.has(row.folder),
    );

    // Assess
    expect(expected.length).toBeGreaterThan(5);
    expect(sortRows(listed)).toEqual(sortRows(expected));
  });

  it("returns each scheduled function with its rule's rate, as the EventBridge rules have them, when the schedules section is read", () => {
    // Prepare
    const expected = Object.values(template.findResources('AWS::Events::Rule'))
      .filter((rule) => rule.Properties.ScheduleExpression !== undefined)
      .flatMap((rule) =>
        (rule.Properties.Targets as { Arn: unknown }[]).map((target) => {
          const logicalId = /^\$\{GetAtt:(.+)\.Arn\}$/.exec(resolveCfnString(target.Arn))?.[1] ?? '';
          return {
            section: SECTIONS.schedules,
            folder: folders.get(logicalId) ?? `not a function: ${logicalId}`,
            triggers: [rule.Properties.ScheduleExpression as string],
          };
        }),
      );
    const scheduled = new Set(expected.map((row) => row.folder));

    // Act
    const listed = rows.filter((row) => row.section === SECTIONS.schedules || scheduled.has(row.folder));

    // Assess
    expect(expected.length).toBeGreaterThan(1);
    expect(sortRows(listed)).toEqual(sortRows(expected));
  });
});

const sortRows = (rows: IndexRow[]) => [...rows].sort((a, b) => a.folder.localeCompare(b.folder));
