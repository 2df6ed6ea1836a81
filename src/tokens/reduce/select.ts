/**
 * Selection reducers: keep k of the N patch tokens unchanged, in their original (row-major) order.
 * docs/composition.md, "Training-free reducers", gives the sources and what we changed.
 */
import { argmax, seededRandom } from '../../numeric.ts';
import { dotRows, unitRows } from './features.ts';

/**
 * DivPrune (Alvar et al., CVPR 2025): greedy max-min diversity on cosine distance. The first token
 * is the one farthest from its nearest neighbour; each next one maximises its distance to the
 * nearest token already chosen. Ties go to the lowest index, as torch.argmax.
 */
export function divPrune(patches: Float32Array, n: number, dim: number, k: number): number[] {
  const unit = unitRows(patches, n, dim);
  const dist = (i: number, j: number) => 1 - dotRows(unit, i, unit, j, dim);
  // minDist[i]: distance from i to the nearest chosen token (before the first pick: to its nearest other token).
  const minDist = new Float64Array(n).fill(n === 1 ? 0 : Infinity);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = dist(i, j);
      if (d < minDist[i]!) minDist[i] = d;
      if (d < minDist[j]!) minDist[j] = d;
    }
  }
  const chosen: number[] = [];
  const taken = new Uint8Array(n);
  for (let t = 0; t < k; t++) {
    const pick = argmax(minDist);
    chosen.push(pick);
    taken[pick] = 1;
    for (let i = 0; i < n; i++) {
      const d = taken[i] ? -Infinity : t === 0 ? dist(i, pick) : Math.min(minDist[i]!, dist(i, pick));
      minDist[i] = d;
    }
  }
  return chosen.sort((a, b) => a - b);
}

/**
 * [CLS]-similarity top-k, the idea of FasterVLM (Zhang et al., 2024: keep the tokens the [CLS]
 * token attends to most) with cosine similarity to the global token as the proxy, since the
 * encoders we run do not export attention maps. Ties go to the lower index.
 */
export function clsTopK(patches: Float32Array, n: number, dim: number, k: number, global: Float32Array): number[] {
  const unit = unitRows(patches, n, dim);
  const g = unitRows(global, 1, dim);
  const sims = Array.from({ length: n }, (_, i) => dotRows(unit, i, g, 0, dim));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => sims[b]! - sims[a]! || a - b);
  return order.slice(0, k).sort((a, b) => a - b);
}

/** k tokens drawn uniformly without replacement with a seeded RNG: the control. */
export function randomK(n: number, k: number, seed: number): number[] {
  const rng = seededRandom(seed);
  const ids = Array.from({ length: n }, (_, i) => i);
  // Partial Fisher-Yates: the first k slots are a uniform sample.
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng() * (n - i));
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids.slice(0, k).sort((a, b) => a - b);
}
