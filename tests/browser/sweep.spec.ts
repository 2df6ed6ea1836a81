import { expect, type Page, test } from '@playwright/test';
import type { SweepProgress, SweepRecord, SweepResult } from '../../src/eval/sweep.ts';
import type { SweepRow } from '../../src/eval/summary.ts';
import { deviceOf } from './runtime-page.ts';

interface TinySweep {
  result: SweepResult;
  events: SweepProgress[];
  rows: SweepRow[];
  modelName: string;
}

// Two scenes x two questions x two variants (one model) x two budgets.
const TOTAL = 2 * 2 * 2 * 2;

async function tinySweep(page: Page, device: string, stopAfter?: number): Promise<TinySweep> {
  await page.goto('/tests/browser/pages/sweep.html');
  await page.waitForFunction(() => document.title === 'ready');
  return (await page.evaluate((o) => window.tinySweep(o as { stopAfter?: number; device: 'wasm' | 'webgpu' }), { stopAfter, device })) as TinySweep;
}

test('the sweep asks every question at every budget per variant, encoding each image once per model', async ({ page }, info) => {
  const { result, events, rows, modelName } = await tinySweep(page, deviceOf(info.project.name));
  expect(result.stopped).toBe(false);
  expect(result.records).toHaveLength(TOTAL);
  // Both variants share the model, so each scene is encoded once, not once per variant.
  expect(events.filter((e) => e.status === 'encoded').map((e) => e.item)).toEqual(['scene-2', 'scene-3']);
  const answered = events.filter((e) => e.status === 'answered');
  expect(answered.map((e) => e.done)).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
  expect(new Set(events.map((e) => e.total))).toEqual(new Set([TOTAL]));

  for (const r of result.records as SweepRecord[]) {
    expect(r.tokens.total).toBeLessThanOrEqual(r.budget as number);
    expect(r.tokens.total).toBe(r.tokens.cls + r.tokens.patch + r.tokens.object);
    expect(r.prefillTokens).toBeGreaterThan(r.tokens.total);
    expect(r.correct).toBe(r.answer.trim().toLowerCase() === r.expected);
    expect(r.ttftMs).toBeLessThanOrEqual(r.totalMs);
    if (r.policy === 'patch-only') expect([r.tokens.cls, r.tokens.object]).toEqual([0, 0]);
    else expect(r.tokens.cls).toBe(1);
  }
  // 57 patch-only tokens pool to a 7x7 grid; 15 to 3x3.
  expect(result.records.filter((r) => r.policy === 'patch-only').map((r) => r.tokens.patch)).toEqual(Array(4).fill([49, 9]).flat());

  expect(rows.map((r) => `${r.variant}@${r.budget}`)).toEqual(['three kinds@57', 'three kinds@15', 'patch only@57', 'patch only@15']);
  expect(rows.every((r) => r.all.total === 4 && r.byType.count?.total === 2 && r.byType.exist?.total === 2)).toBe(true);

  expect(result.maskQuality).toHaveLength(1);
  const q = result.maskQuality[0]!;
  expect(q.model).toBe(modelName);
  expect(q.objects).toBe(5);
  expect(q.meanBestIoU).toBeGreaterThanOrEqual(0);
  expect(q.meanBestIoU).toBeLessThanOrEqual(1);
  expect(result.encodeMs[modelName]).toBeGreaterThan(0);
});

test('stopping the sweep returns the answers so far, flagged stopped', async ({ page }, info) => {
  const { result, events } = await tinySweep(page, deviceOf(info.project.name), 3);
  expect(result.stopped).toBe(true);
  expect(result.records).toHaveLength(3);
  expect(events.filter((e) => e.status === 'answered')).toHaveLength(3);
});
