import { expect, test } from '@playwright/test';
import { MAIN_MODEL, SHAPESWORLD_EVAL } from '../../src/eval/catalog.ts';
import type { ExperimentResult } from '../../src/eval/experiment.ts';
import { accuracy } from '../../src/eval/summary.ts';

// Semantic checks on the trained ShapesWorld model and its shipped evaluation set, through the
// whole SDK. The shipped model is small and learned counting best (the Python-side evaluation of
// training/ gives ~63% on counting, ~50% overall, against chance near 15% for counts), so the test
// leans on counts: a wrong pooling order, a norm-scaling slip or objects in the wrong slots push
// them to chance. Decoding is greedy and the scenes fixed, so the outcome is deterministic.
const SCENES = 12;

test('ShapesWorld at budget 57: counting questions answered right, all types above chance', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/tests/browser/pages/sweep.html');
  await page.waitForFunction(() => document.title === 'ready');
  const result = (await page.evaluate(
    (c) => window.experiment(c),
    { evalSet: `/${SHAPESWORLD_EVAL}`, models: [{ url: `/${MAIN_MODEL.manifest}`, variants: [{ name: 'three kinds', policy: 'balanced' as const }] }], budgets: [57], limit: SCENES, device: 'wasm' as const },
  )) as ExperimentResult;
  expect(result.images).toBe(SCENES);
  const row = result.rows[0]!;
  const summary = Object.entries(row.byType).map(([t, v]) => `${t} ${v.correct}/${v.total}`).join(', ');
  console.log(`ShapesWorld, ${SCENES} scenes at 57 tokens: ${summary}; mask IoU ${result.sweep.maskQuality[0]?.meanBestIoU.toFixed(3)}`);

  // The first counting question of the set, answered right at budget 57.
  const firstCount = result.sweep.records.find((r) => r.type === 'count')!;
  expect(firstCount.answer, firstCount.question).toBe(firstCount.expected);
  expect(row.tokens).toBeGreaterThan(40);
  expect(Object.keys(row.byType).sort()).toEqual(['attribute', 'count', 'exist', 'position']);
  const count = row.byType.count!;
  expect(count.total).toBeGreaterThanOrEqual(8);
  expect(accuracy(count), `count: ${count.correct}/${count.total}`).toBeGreaterThanOrEqual(0.6);
  expect(accuracy(row.all), `all: ${row.all.correct}/${row.all.total}`).toBeGreaterThanOrEqual(0.4);
  expect(result.sweep.maskQuality[0]!.meanBestIoU).toBeGreaterThan(0.5);
});
