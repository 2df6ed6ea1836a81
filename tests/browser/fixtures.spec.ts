import { expect, test } from '@playwright/test';
import type { PackageManifest } from '../../src/models/manifest.ts';
import { generateModelPackage } from '../../tools/fixtures/package.ts';
import { TINY_DIR } from '../fixtures/tiny.ts';

interface Report {
  manifest: PackageManifest;
  results: Array<{ file: string; outputs: Record<string, number[]>; finite: boolean; ms: number }>;
  cacheDiff: number;
}

// The page reads the package Vite serves; regenerate it so this spec also runs on its own.
test.beforeAll(async () => {
  await generateModelPackage(TINY_DIR);
});

test('every tiny fixture model creates a session and runs in Chromium with the declared output shapes', async ({ page }, info) => {
  const ep = info.project.name === 'webgpu' ? 'webgpu' : 'wasm';
  // SwiftShader compiles a shader per kernel: ~35 s on an idle machine, over a minute when busy.
  test.setTimeout(ep === 'webgpu' ? 300_000 : 120_000);
  await page.goto('/tests/browser/pages/fixtures.html');
  await page.waitForFunction(() => 'runFixtures' in window);
  const report = await page.evaluate((e) => (window as unknown as { runFixtures(ep: string): Promise<Report> }).runFixtures(e), ep);
  const { encoder, segmenter, llm } = report.manifest;
  for (const r of report.results) console.log(`[${ep}] ${r.file}: ${JSON.stringify(r.outputs)} ${r.ms.toFixed(1)} ms`);
  console.log(`[${ep}] decoder prefill(5) + 1 cached step vs full pass: max |logits diff| = ${report.cacheDiff.toExponential(2)}`);
  const shapes = (file: string) => report.results.filter((r) => r.file === file).map((r) => r.outputs);
  const m = segmenter.maskSize;
  expect(shapes(encoder.file)).toEqual([{ [encoder.outputName]: [1, 1 + encoder.grid[0] * encoder.grid[1], encoder.hiddenSize] }]);
  expect(shapes(report.manifest.projector.file)).toEqual([{ [report.manifest.projector.outputName]: [1, encoder.grid[0] * encoder.grid[1], llm.hiddenSize] }]);
  expect(shapes(segmenter.promptDecoder)).toEqual([{ iou_scores: [1, 3, 3], pred_masks: [1, 3, 3, m, m] }]);
  expect(shapes(llm.decoder)[2]?.logits).toEqual([1, 1, llm.vocabSize]);
  expect(new Set(report.results.map((r) => r.file))).toEqual(
    new Set([encoder.file, report.manifest.projector.file, segmenter.visionEncoder, segmenter.promptDecoder, llm.embedTokens, llm.decoder]),
  );
  expect(report.results.every((r) => r.finite)).toBe(true);
  expect(report.cacheDiff).toBeLessThan(1e-4);
});
