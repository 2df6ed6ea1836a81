import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Node-side unit and property tests; browser tests run through Playwright (playwright.config.ts).
export default defineConfig({
  // The demo imports the SDK by its package name, as a user's app does (vite.config.ts has the same alias).
  resolve: { alias: { 'mask-llava-web': resolve(import.meta.dirname, 'src/index.ts') } },
  test: {
    include: ['tests/unit/**/*.test.ts'],
    testTimeout: 60_000,
    // Setup hooks build models and ORT sessions; on a loaded 2-core machine they outlast the 10 s default.
    hookTimeout: 60_000,
    // The JSON report lets .ci/no-skips.mjs fail CI when any test skipped.
    reporters: ['default', ['json', { outputFile: 'test-results/unit.json' }]],
  },
});
