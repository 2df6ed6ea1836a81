/** The benchmarks' latency-vs-tokens rows: medians per token count and speedups over the first. */
import { median } from '../../src/eval/summary.ts';
import type { DecoderSize } from '../fixtures/decoder.ts';
import type { GenerationTiming } from '../pages/bench.ts';
import { kvCacheBytes, prefillFlops } from './flops.ts';

/** Median of one field over timings (NaN when there are none). */
export const medianOf = (xs: GenerationTiming[] | undefined, f: (t: GenerationTiming) => number): number => median((xs ?? []).map(f));

/** One token count's medians, its decoder cost, and speedups over the first count's row. */
export interface SpeedupRow {
  tokens: number;
  seq: number;
  prefillMs: number;
  ttftMs: number;
  flops: number;
  kvBytes: number;
  speedup: number;
  ttftSpeedup: number;
  ideal: number;
}

/** Rows for `counts` from timings keyed `${key}/${count}`, with the ideal (FLOP) speedup of `decoder`. */
export function speedupRows(timings: Record<string, GenerationTiming[]>, key: string, counts: readonly number[], decoder: DecoderSize): SpeedupRow[] {
  const rows = counts.map((n) => {
    const t = timings[`${key}/${n}`];
    const seq = medianOf(t, (x) => x.prefillTokens);
    return { tokens: medianOf(t, (x) => x.visualTokens), seq, prefillMs: medianOf(t, (x) => x.prefillMs), ttftMs: medianOf(t, (x) => x.ttftMs), flops: prefillFlops(decoder, seq), kvBytes: kvCacheBytes(decoder, seq) };
  });
  const base = rows[0]!;
  return rows.map((r) => ({ ...r, speedup: base.prefillMs / r.prefillMs, ttftSpeedup: base.ttftMs / r.ttftMs, ideal: base.flops / r.flops }));
}
