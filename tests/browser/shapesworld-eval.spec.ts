import { expect, test } from '@playwright/test';
import { MAIN_MODEL, SHAPESWORLD_EVAL } from '../../src/eval/catalog.ts';
import type { ExperimentResult } from '../../src/eval/experiment.ts';
import { accuracy } from '../../src/eval/summary.ts';

// Semantic checks on the trained ShapesWorld model and its shipped evaluation set, through the
// whole SDK: a wrong pooling order, a norm-scaling slip or objects in the wrong slots drop these
// accuracies far below the thresholds (an untrained or scrambled pipeline answers near chance).
const SCENES = 12;

test('ShapesWorld at budget 57: counting questions right, every question type answered well', async ({ page }) => {
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
  for (const [type, tally] of Object.entries(row.byType)) {
    expect(tally.total, type).toBeGreaterThanOrEqual(3);
    expect(accuracy(tally), `${type}: ${tally.correct}/${tally.total}`).toBeGreaterThanOrEqual(0.75);
  }
  expect(accuracy(row.all)).toBeGreaterThanOrEqual(0.85);
  expect(result.sweep.maskQuality[0]!.meanBestIoU).toBeGreaterThan(0.6);
});
