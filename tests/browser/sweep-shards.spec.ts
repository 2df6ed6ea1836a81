import { expect, test } from '@playwright/test';
import { MAIN_MODEL, SHAPESWORLD_EVAL } from '../../demo/catalog.ts';
import type { ExperimentConfig, ExperimentResult } from '../../src/eval/experiment.ts';
import { mergeExperiments } from '../../src/eval/shard.ts';
import type { SweepRecord } from '../../src/eval/sweep.ts';
import type { SweepRow } from '../../src/eval/summary.ts';

// Timings differ from run to run; everything else of a sweep is deterministic (greedy answers).
const untimed = (r: SweepRecord) => ({ ...r, prefillMs: 0, ttftMs: 0, totalMs: 0 });
const untimedRow = (r: SweepRow) => ({ ...r, prefillMs: 0, ttftMs: 0, totalMs: 0 });
const key = (r: SweepRecord) => `${r.variant}|${r.budget}|${r.item}|${r.question}`;

test('two shards of a sweep, merged, equal one unsharded run: records, table and mask quality', async ({ page }) => {
  // Three sweeps of the shipped model (whole, shard 1, shard 2): minutes on a busy 2-core machine.
  test.setTimeout(420_000);
  await page.goto('/tests/browser/pages/sweep.html');
  await page.waitForFunction(() => document.title === 'ready');
  const config: ExperimentConfig = {
    evalSet: `/${SHAPESWORLD_EVAL}`,
    models: [{ url: `/${MAIN_MODEL.manifest}`, variants: [{ name: 'three kinds', policy: 'balanced' }, { name: 'DivPrune', policy: 'divprune' }] }],
    budgets: [15],
    limit: 4,
    device: 'wasm',
  };
  const run = (c: ExperimentConfig) => page.evaluate((cfg) => window.experiment(cfg), c) as Promise<ExperimentResult>;
  const whole = await run(config);
  const shards = [await run({ ...config, shard: { index: 1, count: 2 } }), await run({ ...config, shard: { index: 2, count: 2 } })];
  expect(shards.map((s) => s.images)).toEqual([2, 2]);

  const merged = mergeExperiments(shards);
  expect(merged.config).toEqual(whole.config);
  expect([merged.images, merged.questions]).toEqual([whole.images, whole.questions]);
  expect(merged.rows.map(untimedRow)).toEqual(whole.rows.map(untimedRow));
  const sorted = (rs: SweepRecord[]) => rs.map(untimed).sort((a, b) => key(a).localeCompare(key(b)));
  expect(sorted(merged.sweep.records)).toEqual(sorted(whole.sweep.records));
  const [mq, wq] = [merged.sweep.maskQuality[0]!, whole.sweep.maskQuality[0]!];
  expect(mq.objects).toBe(wq.objects);
  expect(mq.meanBestIoU).toBeCloseTo(wq.meanBestIoU, 6);
  expect(mq.proposalsPerImage).toBeCloseTo(wq.proposalsPerImage, 6);
});
