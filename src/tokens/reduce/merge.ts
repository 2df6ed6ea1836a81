/**
 * Merging reducers: k tokens that are size-weighted means of groups of patch tokens, ordered by
 * the smallest patch index in each group. docs/composition.md, "Training-free reducers".
 */
import { seededRandom } from '../../numeric.ts';
import { dotRows, sqDistRows, unitRows } from './features.ts';

/** Merged tokens: `k*dim` means and the patch indices behind each. */
export interface Merged {
  tokens: Float32Array;
  groups: number[][];
}

/**
 * ToMe bipartite soft matching (Bolya et al., ICLR 2023) on the patch features (ToMe uses
 * attention keys, which we do not have): tokens alternate into sets A (even positions) and B
 * (odd); each A token's most cosine-similar B token is its edge; the r most similar edges merge
 * (size-weighted mean into the B token). Rounds repeat with r = min(tokens - k, |A|) until k remain.
 */
export function toMe(patches: Float32Array, n: number, dim: number, k: number): Merged {
  let tokens = Array.from({ length: n }, (_, i) => ({ sum: Float64Array.from(patches.subarray(i * dim, (i + 1) * dim)), size: 1, group: [i] }));
  while (tokens.length > k) {
    const a = tokens.filter((_, i) => i % 2 === 0);
    const b = tokens.filter((_, i) => i % 2 === 1);
    const r = Math.min(tokens.length - k, a.length);
    // Cosine similarity ignores scale, so the sums stand in for the means.
    const ua = unitRows(stack(a.map((t) => t.sum), dim), a.length, dim);
    const ub = unitRows(stack(b.map((t) => t.sum), dim), b.length, dim);
    const edges = a.map((_, i) => {
      let best = 0;
      let bestSim = -Infinity;
      for (let j = 0; j < b.length; j++) {
        const s = dotRows(ua, i, ub, j, dim);
        if (s > bestSim) {
          bestSim = s;
          best = j;
        }
      }
      return { i, j: best, sim: bestSim };
    });
    // The r strongest edges merge; ties go to the earlier A token.
    const merging = edges.sort((x, y) => y.sim - x.sim || x.i - y.i).slice(0, r);
    const gone = new Set<number>();
    for (const { i, j } of merging) {
      const src = a[i]!;
      const dst = b[j]!;
      for (let d = 0; d < dim; d++) dst.sum[d]! += src.sum[d]!;
      dst.size += src.size;
      dst.group.push(...src.group);
      gone.add(i);
    }
    const dropped = new Set([...gone].map((i) => a[i]!));
    tokens = tokens.filter((t) => !dropped.has(t)).sort((x, y) => Math.min(...x.group) - Math.min(...y.group));
  }
  return finish(
    tokens.map((t) => t.group),
    patches,
    dim,
  );
}

/**
 * k-means centroids of the patch features (Lloyd's algorithm, squared Euclidean distance,
 * k-means++ initialisation from a seeded RNG, at most `iterations` rounds). An empty cluster keeps
 * its previous centroid. Output tokens are the clusters' means.
 */
export function kMeans(patches: Float32Array, n: number, dim: number, k: number, seed: number, iterations = 10): Merged {
  const rng = seededRandom(seed);
  const centres = new Float64Array(k * dim);
  const nearest = new Float64Array(n).fill(Infinity);
  let pick = Math.floor(rng() * n);
  for (let c = 0; c < k; c++) {
    centres.set(patches.subarray(pick * dim, (pick + 1) * dim), c * dim);
    let total = 0;
    for (let i = 0; i < n; i++) {
      nearest[i] = Math.min(nearest[i]!, sqDistRows(patches, i, centres, c, dim));
      total += nearest[i]!;
    }
    // Next centre with probability proportional to its squared distance (k-means++).
    let u = rng() * total;
    pick = n - 1;
    for (let i = 0; i < n; i++) {
      u -= nearest[i]!;
      if (u < 0) {
        pick = i;
        break;
      }
    }
  }
  const assign = new Int32Array(n).fill(-1);
  for (let it = 0; it < iterations; it++) {
    let changed = false;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const d = sqDistRows(patches, i, centres, c, dim);
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
      if (assign[i] !== best) changed = true;
      assign[i] = best;
    }
    if (!changed) break;
    const sums = new Float64Array(k * dim);
    const counts = new Int32Array(k);
    for (let i = 0; i < n; i++) {
      counts[assign[i]!]!++;
      for (let d = 0; d < dim; d++) sums[assign[i]! * dim + d]! += patches[i * dim + d]!;
    }
    for (let c = 0; c < k; c++) if (counts[c]! > 0) for (let d = 0; d < dim; d++) centres[c * dim + d] = sums[c * dim + d]! / counts[c]!;
  }
  const groups: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < n; i++) groups[assign[i]!]!.push(i);
  // An empty cluster (possible with duplicate points) gives its centroid as a group-less token.
  const ordered = groups.map((g, c) => ({ g, c })).sort((x, y) => (x.g[0] ?? Infinity) - (y.g[0] ?? Infinity) || x.c - y.c);
  const tokens = new Float32Array(k * dim);
  ordered.forEach(({ g, c }, r) => {
    if (g.length === 0) tokens.set(centres.subarray(c * dim, (c + 1) * dim), r * dim);
    else tokens.set(meanOf(g, patches, dim), r * dim);
  });
  return { tokens, groups: ordered.map(({ g }) => g) };
}

function stack(rows: readonly Float64Array[], dim: number): Float32Array {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => out.set(r, i * dim));
  return out;
}

function meanOf(group: readonly number[], patches: Float32Array, dim: number): Float32Array {
  const acc = new Float64Array(dim);
  for (const i of group) for (let d = 0; d < dim; d++) acc[d]! += patches[i * dim + d]!;
  return Float32Array.from(acc, (v) => v / group.length);
}

function finish(groups: number[][], patches: Float32Array, dim: number): Merged {
  const tokens = new Float32Array(groups.length * dim);
  groups.forEach((g, r) => tokens.set(meanOf(g, patches, dim), r * dim));
  return { tokens, groups };
}
