/**
 * Sweeps split across machines: shard i of n takes every n-th image of the set (interleaved, so
 * shards get similar mixes), and {@link mergeExperiments} joins the shards' results into the
 * result of one unsharded run (the same records, hence the same accuracy table).
 */
import { InvalidArgumentError } from '../errors.ts';
import type { ExperimentResult } from './experiment.ts';
import { summariseSweep } from './summary.ts';
import type { MaskQuality } from './sweep.ts';

/** Shard `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Parses "i/n" (1 <= i <= n), the CLI's `--shard` format, as Playwright Test writes it. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw new InvalidArgumentError(`a shard is "i/n" with 1 <= i <= n, got ${JSON.stringify(text)}; pass e.g. 1/3`);
  return { index, count };
}

/** The items of shard `shard`: positions p with p % count === index - 1. */
export function shardItems<T>(items: readonly T[], shard: Shard | undefined): T[] {
  if (!shard) return [...items];
  return items.filter((_, p) => p % shard.count === shard.index - 1);
}

/**
 * Joins the results of shards 1..n of one experiment. Records are concatenated and summarised
 * again; per-image means (encode time, proposals) are weighted by images, mask IoU by objects;
 * `sweepMs` is the slowest shard's (the wall time when shards run in parallel). Throws
 * InvalidArgumentError unless the results are exactly shards 1..n of the same experiment.
 */
export function mergeExperiments(results: readonly ExperimentResult[]): ExperimentResult {
  const first = results[0];
  if (!first) throw new InvalidArgumentError('mergeExperiments needs at least one shard result');
  const count = first.config.shard?.count ?? 1;
  const seen = results.map((r) => r.config.shard?.index ?? 1).sort((a, b) => a - b);
  if (results.some((r) => (r.config.shard?.count ?? 1) !== count) || seen.join() !== Array.from({ length: count }, (_, i) => i + 1).join()) {
    throw new InvalidArgumentError(`expected the results of shards 1..${count} once each, got shards ${seen.join(', ')}; pass every shard's output`);
  }
  const config = { ...first.config };
  delete config.shard;
  const same = (r: ExperimentResult) => JSON.stringify({ ...r.config, shard: undefined }) === JSON.stringify({ ...first.config, shard: undefined });
  if (!results.every(same)) throw new InvalidArgumentError('the shard results come from different experiments (models, budgets, set or device differ); merge shards of one run');

  const images = results.reduce((n, r) => n + r.images, 0);
  const records = results.flatMap((r) => r.sweep.records);
  const encodeMs: Record<string, number> = {};
  for (const name of new Set(results.flatMap((r) => Object.keys(r.sweep.encodeMs)))) {
    const parts = results.filter((r) => name in r.sweep.encodeMs);
    encodeMs[name] = parts.reduce((s, r) => s + r.sweep.encodeMs[name]! * r.images, 0) / parts.reduce((s, r) => s + r.images, 0);
  }
  const maskQuality: MaskQuality[] = [];
  for (const name of new Set(results.flatMap((r) => r.sweep.maskQuality.map((q) => q.model)))) {
    const parts = results.flatMap((r) => r.sweep.maskQuality.filter((q) => q.model === name).map((q) => ({ q, images: r.images })));
    const objects = parts.reduce((s, p) => s + p.q.objects, 0);
    const partImages = parts.reduce((s, p) => s + p.images, 0);
    maskQuality.push({
      model: name,
      meanBestIoU: parts.reduce((s, p) => s + p.q.meanBestIoU * p.q.objects, 0) / Math.max(1, objects),
      objects,
      proposalsPerImage: parts.reduce((s, p) => s + p.q.proposalsPerImage * p.images, 0) / Math.max(1, partImages),
    });
  }
  return {
    config,
    device: first.device,
    numThreads: first.numThreads,
    images,
    setImages: first.setImages,
    questions: results.reduce((n, r) => n + r.questions, 0),
    sweep: { records, maskQuality, encodeMs, stopped: results.some((r) => r.sweep.stopped) },
    rows: summariseSweep(records),
    sweepMs: Math.max(...results.map((r) => r.sweepMs)),
  };
}
