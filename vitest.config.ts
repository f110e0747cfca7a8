import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/integration/**'],
        },
      },
      {
        // The provider emulator's own suites: real HTTP, but no local stack needed.
        extends: true,
        test: { name: 'provider-emulator', include: ['test/integration/provider-emulator/**/*.test.ts'] },
      },
      {
        // Against the local stack: one stack (local/start.ts as a child process) for the whole project.
        extends: true,
        test: {
          name: 'integration',
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
        test: { name: 'chaos', include: ['test/integration/chaos/**/*.test.ts'] },
      },
      {
        // The admission gate's runs start their own stacks (limited gate, time-scaled): they need no shared one.
        extends: true,
        test: { name: 'admission', include: ['test/integration/admission/**/*.test.ts'] },
      },
    ],
  },
});
