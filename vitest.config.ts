import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/setup/globalSetup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Off unless asked for (`npm run coverage`): the app's own code, not the bench, tools or tests.
    coverage: {
      provider: 'v8',
      include: ['shared/**/*.ts', 'functions/**/*.ts', 'scripts/**/*.ts'],
      reporter: ['text-summary', 'html', 'json'],
      reportsDirectory: 'coverage',
    },
  },
});
