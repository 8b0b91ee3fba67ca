import { defineConfig } from 'vitest/config';

// Integration suites start real servers; on a 2-core machine they run one file at a time.
export default defineConfig({
  test: {
    include: ['libs/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'services/*/test/**/*.test.ts', 'e2e/**/*.test.ts', 'clients/*/test/**/*.test.ts', 'bench/**/*.test.ts', 'deploy/test/**/*.test.ts', 'scripts/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 20_000,
  },
});
