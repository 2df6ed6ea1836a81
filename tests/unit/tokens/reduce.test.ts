/**
 * The training-free reducers (src/tokens/reduce/) against naive references written from the
 * papers' descriptions (plain arrays, recomputed from scratch at every step), plus the invariants
 * every reducer keeps: exactly k tokens, from these patches, deterministic.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/numeric.ts';
import { TokenKind, composeVisualTokens } from '../../../src/tokens/layout.ts';
import { kMeans, toMe } from '../../../src/tokens/reduce/merge.ts';
import { REDUCERS, reducePatches } from '../../../src/tokens/reduce/index.ts';
import { clsTopK, divPrune, randomK } from '../../../src/tokens/reduce/select.ts';
import { planImage, planTokens } from '../../../src/tokens/plan.ts';
import { patchStatistics } from '../../../src/tokens/norm-scale.ts';
import { maxAbsDiff } from '../reference.ts';

const rows = (x: Float32Array, n: number, dim: number) => Array.from({ length: n }, (_, i) => Array.from(x.subarray(i * dim, (i + 1) * dim)));
const cos = (a: number[], b: number[]) => {
  const dot = a.reduce((s, v, i) => s + v * b[i]!, 0);
  const na = Math.hypot(...a);
  const nb = Math.hypot(...b);
  return na > 0 && nb > 0 ? dot / (na * nb) : 0;
};

/** Features with distinct rows: random values, no exact duplicates. */
function randomFeatures(n: number, dim: number, seed: number): Float32Array {
  const rng = seededRandom(seed);
  return Float32Array.from({ length: n * dim }, () => rng() * 2 - 1);
}

function refDivPrune(x: number[][], k: number): number[] {
  const dist = (i: number, j: number) => 1 - cos(x[i]!, x[j]!);
  const chosen: number[] = [];
  for (let t = 0; t < k; t++) {
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < x.length; i++) {
      if (chosen.includes(i)) continue;
      const others = t === 0 ? x.map((_, j) => j).filter((j) => j !== i) : chosen;
      const score = Math.min(...others.map((j) => dist(i, j)));
      if (score > bestScore + 1e-12) {
        bestScore = score;
        best = i;
      }
    }
    chosen.push(best);
  }
  return chosen.sort((a, b) => a - b);
}

describe('divPrune', () => {
  it('matches the greedy max-min reference', () => {
    for (const [n, dim, k, seed] of [[12, 4, 5, 1], [30, 8, 10, 2], [49, 3, 7, 3], [9, 5, 9, 4]] as const) {
      const x = randomFeatures(n, dim, seed);
      expect(divPrune(x, n, dim, k)).toEqual(refDivPrune(rows(x, n, dim), k));
    }
  });

  it('picks one token of each far-apart cluster before a second of any', () => {
    const dim = 3;
    // Three directions, four near-copies each.
    const dirs = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
    const x = new Float32Array(12 * dim);
    for (let i = 0; i < 12; i++) x.set(dirs[i % 3]!.map((v, d) => v + 0.01 * ((i * 7 + d) % 5)), i * dim);
    const picked = divPrune(x, 12, dim, 3);
    expect(new Set(picked.map((i) => i % 3)).size).toBe(3);
  });
});

describe('clsTopK', () => {
  it('keeps the k patches most cosine-similar to the global token, in grid order', () => {
    const n = 20;
    const dim = 6;
    const x = randomFeatures(n, dim, 5);
    const g = randomFeatures(1, dim, 6);
    const sims = rows(x, n, dim).map((r) => cos(r, Array.from(g)));
    const ref = sims
      .map((s, i) => ({ s, i }))
      .sort((a, b) => b.s - a.s)
      .slice(0, 7)
      .map((e) => e.i)
      .sort((a, b) => a - b);
    expect(clsTopK(x, n, dim, 7, g)).toEqual(ref);
  });
});

describe('randomK', () => {
  it('draws k distinct sorted indices, the same for a seed, and covers indices uniformly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.nat(1000), (n, seed) => {
        const k = Math.max(1, Math.floor(n / 3));
        const ids = randomK(n, k, seed);
        expect(ids).toEqual(randomK(n, k, seed));
        expect(new Set(ids).size).toBe(k);
        expect(ids).toEqual([...ids].sort((a, b) => a - b));
        expect(ids.every((i) => i >= 0 && i < n)).toBe(true);
      }),
    );
    const counts = new Array<number>(10).fill(0);
    for (let seed = 0; seed < 3000; seed++) for (const i of randomK(10, 3, seed)) counts[i]!++;
    // Each index expected 900 times; a 5-sigma band (sd ~ 25) catches a biased shuffle.
    for (const c of counts) expect(Math.abs(c - 900)).toBeLessThan(130);
  });
});

/** ToMe as written in the paper, one round at a time, on plain arrays. */
function refToMe(x: number[][], k: number): number[][] {
  let toks = x.map((v, i) => ({ v, size: 1, group: [i] }));
  while (toks.length > k) {
    const a = toks.filter((_, i) => i % 2 === 0);
    const b = toks.filter((_, i) => i % 2 === 1);
    const r = Math.min(toks.length - k, a.length);
    const edges = a.map((ta, i) => {
      const sims = b.map((tb) => cos(ta.v, tb.v));
      const j = sims.indexOf(Math.max(...sims));
      return { i, j, sim: sims[j]! };
    });
    edges.sort((p, q) => q.sim - p.sim || p.i - q.i);
    const merged = new Set<number>();
    for (const { i, j } of edges.slice(0, r)) {
      const src = a[i]!;
      const dst = b[j]!;
      dst.v = dst.v.map((v, d) => (v * dst.size + src.v[d]! * src.size) / (dst.size + src.size));
      dst.size += src.size;
      dst.group = [...dst.group, ...src.group];
      merged.add(i);
    }
    toks = [...a.filter((_, i) => !merged.has(i)), ...b].sort((p, q) => Math.min(...p.group) - Math.min(...q.group));
  }
  return toks.map((t) => t.group);
}

describe('toMe', () => {
  it('merges the same groups as the reference, with size-weighted means', () => {
    for (const [n, dim, k, seed] of [[16, 4, 5, 7], [27, 6, 9, 8], [50, 3, 4, 9]] as const) {
      const x = randomFeatures(n, dim, seed);
      const got = toMe(x, n, dim, k);
      expect(got.groups).toEqual(refToMe(rows(x, n, dim), k));
      const xr = rows(x, n, dim);
      got.groups.forEach((g, r) => {
        const mean = xr[0]!.map((_, d) => g.reduce((s, i) => s + xr[i]![d]!, 0) / g.length);
        expect(maxAbsDiff(got.tokens.subarray(r * dim, (r + 1) * dim), mean)).toBeLessThan(1e-5);
      });
    }
  });
});

describe('kMeans', () => {
  it('recovers well-separated clusters, each token the mean of its cluster, ordered by first index', () => {
    const dim = 2;
    const centres = [[0, 0], [10, 0], [0, 10], [10, 10]];
    const n = 40;
    const rng = seededRandom(3);
    const x = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) x.set(centres[(i * 3) % 4]!.map((c) => c + rng() - 0.5), i * dim);
    const got = kMeans(x, n, dim, 4, 11);
    const expected = [0, 1, 2, 3].map((c) => Array.from({ length: n }, (_, i) => i).filter((i) => (i * 3) % 4 === [0, 3, 2, 1][c]));
    expect(got.groups).toEqual(expected);
    expect(kMeans(x, n, dim, 4, 11).tokens).toEqual(got.tokens);
  });

  it('is a Lloyd fixed point once converged: every patch is nearest to its own cluster mean', () => {
    const n = 60;
    const dim = 3;
    const x = randomFeatures(n, dim, 12);
    const { tokens, groups } = kMeans(x, n, dim, 6, 1, 100);
    const xr = rows(x, n, dim);
    const tr = rows(tokens, 6, dim);
    const d2 = (a: number[], b: number[]) => a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0);
    groups.forEach((g, c) => {
      for (const i of g) for (let o = 0; o < 6; o++) expect(d2(xr[i]!, tr[c]!)).toBeLessThanOrEqual(d2(xr[i]!, tr[o]!) + 1e-9);
    });
  });
});

describe('reducers as plan policies', () => {
  const grid: [number, number] = [5, 5];
  const dim = 4;
  const hidden = randomFeatures(26, dim, 21);

  it('plan exactly min(budget, N) patch tokens, nothing else', () => {
    for (const policy of REDUCERS) {
      expect(planTokens({ budget: 7, availableMasks: 3, grid, policy })).toEqual({ cls: 0, grid: [0, 0], objects: 0, reduced: 7, total: 7 });
      expect(planTokens({ budget: 99, availableMasks: 3, grid, policy }).total).toBe(25);
    }
  });

  it('compose exactly k patch-kind tokens; selections are rows of the grid, merges are norm-scaled', () => {
    for (const policy of REDUCERS) {
      const plan = planImage([], grid, { budget: 6, policy, seed: 2 });
      const none = composeVisualTokens(hidden, grid, dim, [], plan, 'none');
      expect(none.kinds).toEqual(new Uint8Array(6).fill(TokenKind.patch));
      const patches = hidden.subarray(dim);
      const direct = reducePatches(policy, patches, 25, dim, 6, hidden.subarray(0, dim), 2);
      expect(none.tokens).toEqual(direct.tokens);
      const scaled = composeVisualTokens(hidden, grid, dim, [], plan, 'per-image');
      if (direct.merged) {
        const s = patchStatistics(scaled.tokens.subarray(0, dim));
        const p = patchStatistics(patches);
        expect(Math.abs(s.std - p.std)).toBeLessThan(1e-4);
      } else expect(scaled.tokens).toEqual(none.tokens);
      if (!direct.merged) {
        for (let r = 0; r < 6; r++) {
          const row = none.tokens.subarray(r * dim, (r + 1) * dim);
          expect(rows(patches, 25, dim).some((p) => maxAbsDiff(p, row) === 0)).toBe(true);
        }
      }
    }
  });
});
