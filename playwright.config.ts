import { defineConfig } from '@playwright/test';
import { chromiumArgs as baseArgs, chromiumPath as chromium } from './tools/browser/chromium.ts';

const port = Number(process.env.TEST_PORT ?? 5199);

export default defineConfig({
  testDir: 'tests/browser',
  testMatch: '**/*.spec.ts',
  // Two cores: one browser at a time keeps timings and memory sane.
  workers: 1,
  timeout: 120_000,
  reporter: [['list'], ['json', { outputFile: 'test-results/browser.json' }]],
  outputDir: 'test-results/artifacts',
  use: { baseURL: `http://localhost:${port}` },
  webServer: [
    {
      command: `npx vite --port ${port} --strictPort`,
      url: `http://localhost:${port}/tests/browser/pages/blank.html`,
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
    },
    {
      // The Hub-layout fixtures under the Hub's URL pattern (tests/browser/hub-mirror.ts, hubMirrorUrl()).
      command: `npx tsx tests/browser/hub-mirror.ts ${port + 100}`,
      url: `http://localhost:${port + 100}/`,
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
    },
  ],
  projects: [
    {
      // No WebGPU flag: requestAdapter() returns null, so this exercises the WASM fallback.
      name: 'wasm',
      // Losing a GPU device needs one.
      testIgnore: ['**/runtime-device-lost.spec.ts'],
      use: { launchOptions: { executablePath: chromium, args: baseArgs } },
    },
    {
      // SwiftShader software adapter: correctness of the WebGPU path, not its speed.
      name: 'webgpu',
      // Whole-set semantics, the experiment page and sharded sweeps do not depend on the device
      // (composition is the same code on both) and take minutes of software-GPU time: wasm only.
      // The oracle's own spec also stays on wasm: hub-equality and hub-segmenter run the same
      // transformers.js calls on WebGPU in every dtype and compare them with ours (~13 min saved).
      testIgnore: ['**/shapesworld-eval.spec.ts', '**/experiments.spec.ts', '**/sweep-shards.spec.ts', '**/tjs-oracle.spec.ts'],
      use: { launchOptions: { executablePath: chromium, args: [...baseArgs, '--enable-unsafe-webgpu'] } },
    },
  ],
});
