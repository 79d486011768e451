import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing running; `integration` gets a real Kafka broker and moto server
// from the global setup, started once per run and stopped at the end.
export default defineConfig({
  test: {
    reporters: process.env.CI ? ['default'] : ['default'],
    pool: 'forks',
    maxWorkers: 2,
    passWithNoTests: true,
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
