/**
 * Benchmark of the per-frame planner: planImage (IoU pruning + budget planning) on 100 and 256
 * masks at 64x64, shaped like SAM proposals (ellipses and rectangles of varied size, many near
 * duplicates and nested parts). Warms up, then prints p50/p95 per call in microseconds.
 * Run: npm run bench:plan (`npm run bench` imports measurePlanner for its report).
 */
import { pathToFileURL } from 'node:url';
import { type BitMask, maskFromDense } from '../../src/masks/bitmask.ts';
import { planImage } from '../../src/tokens/plan.ts';

const M = 64;
const SETS = 20;
const WARMUP_MS = 1000;
const RUNS = 2000;

/** Small deterministic PRNG (mulberry32) so every run times the same masks. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

interface Shape {
  ellipse: boolean;
  cx: number;
  cy: number;
  rx: number;
  ry: number;
}

function draw(s: Shape): Uint8Array {
  const d = new Uint8Array(M * M);
  for (let y = 0; y < M; y++) {
    for (let x = 0; x < M; x++) {
      const u = (x + 0.5 - s.cx) / s.rx;
      const v = (y + 0.5 - s.cy) / s.ry;
      if (s.ellipse ? u * u + v * v <= 1 : Math.abs(u) <= 1 && Math.abs(v) <= 1) d[y * M + x] = 1;
    }
  }
  return d;
}

/** Masks like an automatic mask generator's: a third are jittered copies or parts of earlier ones. */
function maskSet(count: number, seed: number): BitMask[] {
  const r = rng(seed);
  const shapes: Shape[] = [];
  const masks: BitMask[] = [];
  for (let i = 0; i < count; i++) {
    const base = shapes[Math.floor(r() * shapes.length)];
    let s: Shape;
    if (base && r() < 0.35) {
      const k = r() < 0.5 ? 1 + (r() - 0.5) * 0.2 : 0.4 + r() * 0.4; // near duplicate or a part
      s = { ...base, cx: base.cx + (r() - 0.5) * 3, cy: base.cy + (r() - 0.5) * 3, rx: base.rx * k, ry: base.ry * k };
    } else {
      const big = r() < 0.15;
      s = {
        ellipse: r() < 0.6,
        cx: r() * M,
        cy: r() * M,
        rx: big ? 12 + r() * 20 : 2 + r() * 10,
        ry: big ? 12 + r() * 20 : 2 + r() * 10,
      };
    }
    shapes.push(s);
    masks.push(maskFromDense(draw(s), M, r()));
  }
  return masks;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** Planner latency for one mask count. */
export interface PlannerFigure {
  masks: number;
  p50Us: number;
  p95Us: number;
  /** Masks left after pruning, on average. */
  keptMean: number;
  runs: number;
}

/** Times planImage on `counts` masks per image (warm-up first); the figures `npm run bench` reports too. */
export function measurePlanner(counts: readonly number[] = [100, 256]): PlannerFigure[] {
  const budgets = [57, 42, 29, 15];
  return counts.map((count) => {
    const sets = Array.from({ length: SETS }, (_, i) => maskSet(count, 1000 * count + i));
    const t0 = performance.now();
    for (let i = 0; performance.now() - t0 < WARMUP_MS; i++) planImage(sets[i % SETS]!, [24, 24], { budget: budgets[i % budgets.length]! });
    const times = new Float64Array(RUNS);
    let kept = 0;
    for (let i = 0; i < RUNS; i++) {
      const masks = sets[i % SETS]!;
      const start = performance.now();
      const plan = planImage(masks, [24, 24], { budget: budgets[i % budgets.length]! });
      times[i] = (performance.now() - start) * 1000;
      kept += masks.length - plan.pruned.length;
    }
    times.sort();
    return { masks: count, p50Us: percentile(times, 0.5), p95Us: percentile(times, 0.95), keptMean: kept / RUNS, runs: RUNS };
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const f of measurePlanner()) {
    console.log(
      `planImage ${String(f.masks).padStart(3)} masks @${M}x${M}: p50 ${f.p50Us.toFixed(1)} us  ` +
        `p95 ${f.p95Us.toFixed(1)} us  (kept ${f.keptMean.toFixed(1)} of ${f.masks} on average; ${f.runs} runs)`,
    );
  }
}
