import { defineConfig } from 'vitest/config';

// Node-side unit and property tests; browser tests run through Playwright (playwright.config.ts).
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    testTimeout: 60_000,
    // Setup hooks build models and ORT sessions; on a loaded 2-core machine they outlast the 10 s default.
    hookTimeout: 60_000,
    // The JSON report lets .ci/no-skips.mjs fail CI when any test skipped.
    reporters: ['default', ['json', { outputFile: 'test-results/unit.json' }]],
  },
});
