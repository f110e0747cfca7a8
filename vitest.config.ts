import { configDefaults, defineConfig } from 'vitest/config';
import { LongFilesFirst } from './test/helpers/long-files-first';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    sequence: { sequencer: LongFilesFirst },
    // Three groups, one after the other. First the unit and emulator files, two at a time: each starts what it needs
    // (its own DynamoDB Local on a free port, its own emulator) and most of their time is waiting on I/O, so two
    // workers on two cores finish them sooner. Then the files against local stacks, two at a time: the integration
    // project starts one stack per worker, and a file uses its worker's (two files never share a stack, its one
    // process or its emulator's faults); the chaos and money runs start stacks of their own. Last the admission
    // gate's runs, alone: the gate's one-second margin must not compete with another file for the cores.
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/integration/**'],
        },
      },
      {
        // The provider emulator's own suites: real HTTP, but no local stack needed.
        extends: true,
        test: {
          name: 'provider-emulator',
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
          include: ['test/integration/provider-emulator/**/*.test.ts'],
        },
      },
      {
        // Against the local stack: local/start.ts as a child process per worker (test/integration/local-stack/global-setup.ts).
        extends: true,
        test: {
          name: 'integration',
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
          include: ['test/integration/**/*.test.ts'],
          exclude: [
            ...configDefaults.exclude,
            'test/integration/provider-emulator/**',
            'test/integration/chaos/**',
            'test/integration/admission/**',
          ],
          globalSetup: ['test/integration/local-stack/global-setup.ts'],
        },
      },
      {
        // The chaos run starts its own stack (AWS faults on): it needs no shared one.
        extends: true,
        test: {
          name: 'chaos',
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
          include: ['test/integration/chaos/**/*.test.ts'],
        },
      },
      {
        // The admission gate's runs start their own stacks (limited gate, time-scaled): they need no shared one.
        extends: true,
        test: {
          name: 'admission',
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
          include: ['test/integration/admission/**/*.test.ts'],
        },
      },
    ],
  },
});
