import { defineConfig } from 'vitest/config';

// Three projects: `unit` needs nothing (no synth, no pip, no apt, no services); `static` checks the code and the
// synthesized infrastructure (typecheck, CDK synth, cfn-lint, checkov, bundles, the report in Chromium);
// `integration` gets a real Kafka broker and moto server from the global setup, started once per run.
export default defineConfig({
  test: {
    reporters: process.env.CI ? ['default'] : ['default'],
    pool: 'forks',
    maxWorkers: 2,
    passWithNoTests: false,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'static',
          include: ['test/static/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/services.ts'],
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
