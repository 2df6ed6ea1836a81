/**
 * Naive reference implementations of docs/composition.md, written for clarity (dense arrays,
 * plain loops, integer arithmetic) so the optimised code under src/ can be checked against them.
 */
import fc from 'fast-check';

/** Adaptive pooling bounds by integer arithmetic (PyTorch's start_index / end_index). */
export function refBounds(i: number, inSize: number, outSize: number): [number, number] {
  const start = Math.trunc((i * inSize) / outSize);
  const end = Math.trunc(((i + 1) * inSize + outSize - 1) / outSize);
  return [start, end];
}

/** adaptive_avg_pool2d over an H x W x D array by nested loops. */
export function refPool(x: ArrayLike<number>, h: number, w: number, d: number, oh: number, ow: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < oh; i++) {
    const [r0, r1] = refBounds(i, h, oh);
    for (let j = 0; j < ow; j++) {
      const [c0, c1] = refBounds(j, w, ow);
      for (let k = 0; k < d; k++) {
        let s = 0;
        for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) s += x[(r * w + c) * d + k]!;
        out.push(s / ((r1 - r0) * (c1 - c0)));
      }
    }
  }
  return out;
}

/** IoU of two dense 0/1 masks by a single loop; 0 when the union is empty. */
export function refIoU(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) inter++;
    if (a[i] || b[i]) union++;
  }
  return union === 0 ? 0 : inter / union;
}

/** Greedy pruning straight from the spec, on dense masks. */
export function refPrune(dense: ArrayLike<number>[], scores: number[], thr: number, maxCount = Infinity): { kept: number[]; removed: number[] } {
  const order = scores.map((_, i) => i).sort((i, j) => (scores[j]! > scores[i]! ? 1 : scores[j]! < scores[i]! ? -1 : i - j));
  const kept: number[] = [];
  const removed: number[] = [];
  for (const i of order) {
    const area = Array.from(dense[i]!).reduce((s, v) => s + (v ? 1 : 0), 0);
    if (kept.length < maxCount && area > 0 && kept.every((k) => refIoU(dense[i]!, dense[k]!) <= thr)) kept.push(i);
    else removed.push(i);
  }
  return { kept, removed };
}

/** Coverage-weighted mean of patch rows. */
export function refPoolMask(features: ArrayLike<number>, coverage: ArrayLike<number>, d: number): number[] {
  const out = new Array<number>(d).fill(0);
  let total = 0;
  for (let c = 0; c < coverage.length; c++) {
    total += coverage[c]!;
    for (let k = 0; k < d; k++) out[k]! += coverage[c]! * features[c * d + k]!;
  }
  return out.map((v) => v / total);
}

/** Mean and population std. */
export function refStats(x: ArrayLike<number>): { mean: number; std: number } {
  const a = Array.from(x);
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  return { mean, std: Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length) };
}

/** Per-image norm scaling of one token, straight from the spec. */
export function refNormScale(t: ArrayLike<number>, stats: { mean: number; std: number }): number[] {
  const s = refStats(t);
  return Array.from(t, (v) => ((v - s.mean) / (s.std + 1e-6)) * stats.std + stats.mean);
}

/** Largest absolute difference between two equal-length arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** A dense 0/1 M x M mask made of a few rectangles (so random pairs overlap often) plus noise. */
export function denseMaskArb(size: number): fc.Arbitrary<Uint8Array> {
  const rect = fc.tuple(fc.nat(size - 1), fc.nat(size - 1), fc.integer({ min: 1, max: size }), fc.integer({ min: 1, max: size }));
  return fc
    .record({ rects: fc.array(rect, { maxLength: 3 }), noise: fc.array(fc.nat(size * size - 1), { maxLength: 8 }) })
    .map(({ rects, noise }) => {
      const m = new Uint8Array(size * size);
      for (const [x, y, w, h] of rects) {
        for (let yy = y; yy < Math.min(size, y + h); yy++) for (let xx = x; xx < Math.min(size, x + w); xx++) m[yy * size + xx] = 1;
      }
      for (const i of noise) m[i] = 1;
      return m;
    });
}

/** Random float features with values in [-4, 4]. */
export function featuresArb(length: number): fc.Arbitrary<Float32Array> {
  return fc.float32Array({ minLength: length, maxLength: length, min: -4, max: 4, noNaN: true, noDefaultInfinity: true });
}
