import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.ts';
import type { ExperimentResult } from '../../../src/eval/experiment.ts';
import { mergeExperiments, parseShard, shardItems } from '../../../src/eval/shard.ts';
import { summariseSweep } from '../../../src/eval/summary.ts';
import type { SweepRecord } from '../../../src/eval/sweep.ts';

describe('parseShard', () => {
  it('reads i/n and rejects anything else with a typed error', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/3', '4/3', '1/0', 'a/b', '1-3', '']) expect(() => parseShard(bad)).toThrow(InvalidArgumentError);
  });
});

describe('shardItems', () => {
  it('splits the items into n disjoint interleaved shards that cover them all', () => {
    const items = Array.from({ length: 11 }, (_, i) => i);
    const shards = [1, 2, 3].map((index) => shardItems(items, { index, count: 3 }));
    expect(shards[0]).toEqual([0, 3, 6, 9]);
    expect(shards.flat().sort((a, b) => a - b)).toEqual(items);
    expect(shardItems(items, undefined)).toEqual(items);
  });
});

/** A fake experiment over `items` (ids), one record per item and budget, answers by a rule. */
function experiment(items: string[], shard?: { index: number; count: number }): ExperimentResult {
  const records: SweepRecord[] = items.flatMap((item) =>
    [57, 15].map((budget) => ({
      variant: 'three kinds',
      policy: 'balanced' as const,
      budget,
      item,
      question: 'q',
      type: item.length % 2 ? 'count' : 'exist',
      expected: 'yes',
      answer: item.endsWith('1') ? 'no' : 'yes',
      correct: !item.endsWith('1'),
      tokens: { total: budget, cls: 1, patch: budget - 1, object: 0 },
      prefillTokens: budget + 10,
      prefillMs: budget,
      ttftMs: budget + 1,
      totalMs: budget + 2,
    })),
  );
  return {
    config: { evalSet: 'set/', models: [{ url: 'm/', variants: [{ name: 'three kinds', policy: 'balanced' }] }], budgets: [57, 15], ...(shard ? { shard } : {}) },
    device: 'wasm',
    numThreads: 2,
    images: items.length,
    setImages: 6,
    questions: items.length,
    sweep: { records, maskQuality: [{ model: 'm', meanBestIoU: items.length / 10, objects: items.length * 2, proposalsPerImage: 3 }], encodeMs: { m: 10 * items.length }, stopped: false },
    rows: summariseSweep(records),
    sweepMs: 100 * items.length,
  };
}

describe('mergeExperiments', () => {
  const ids = ['a0', 'b1', 'c2', 'd3', 'e4', 'f1'];
  const whole = experiment(ids);
  const shards = [1, 2].map((index) => experiment(shardItems(ids, { index, count: 2 }), { index, count: 2 }));

  it('gives the unsharded table and totals from two shards, in either order', () => {
    for (const parts of [shards, [...shards].reverse()]) {
      const merged = mergeExperiments(parts);
      expect(merged.rows).toEqual(whole.rows);
      expect(merged.config).toEqual(whole.config);
      expect([merged.images, merged.questions, merged.setImages]).toEqual([6, 6, 6]);
      expect(merged.sweep.maskQuality[0]!.objects).toBe(12);
      // Weighted by objects: (0.3*6 + 0.3*6) / 12.
      expect(merged.sweep.maskQuality[0]!.meanBestIoU).toBeCloseTo(0.3, 12);
      expect(merged.sweep.encodeMs['m']).toBeCloseTo(30, 12);
      expect(merged.sweepMs).toBe(300);
    }
  });

  it('refuses a missing, repeated or foreign shard', () => {
    expect(() => mergeExperiments([shards[0]!])).toThrow(InvalidArgumentError);
    expect(() => mergeExperiments([shards[0]!, shards[0]!])).toThrow(InvalidArgumentError);
    const foreign = { ...shards[1]!, config: { ...shards[1]!.config, budgets: [29] } };
    expect(() => mergeExperiments([shards[0]!, foreign])).toThrow(InvalidArgumentError);
    expect(() => mergeExperiments([])).toThrow(InvalidArgumentError);
  });
});
