// Test runner configuration: unit tests beside their sources, property tests
// in props/, and a closing `N passed, N failed` line for CI.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    reporters: ['default', './vitest.summary.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
