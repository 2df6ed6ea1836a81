import { defineConfig } from 'vitest/config';

// Node-side unit and property tests; browser tests run through Playwright (playwright.config.ts).
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
