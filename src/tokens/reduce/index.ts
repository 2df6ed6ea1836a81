/**
 * Training-free token reducers from the literature, as plan policies: each turns the N patch
 * tokens of one image into exactly k tokens (docs/composition.md, "Training-free reducers").
 */
import { gatherRows } from './features.ts';
import { kMeans, toMe } from './merge.ts';
import { clsTopK, divPrune, randomK } from './select.ts';

/** The reducers, by plan-policy name. */
export const REDUCERS = ['divprune', 'tome', 'kmeans', 'cls-topk', 'random'] as const;

/** One of {@link REDUCERS}. */
export type ReducerName = (typeof REDUCERS)[number];

/** k reduced tokens; `merged` when they are means of several patches (norm scaling applies to them). */
export interface Reduction {
  tokens: Float32Array;
  merged: boolean;
}

/** Whether `policy` names a reducer. */
export function isReducer(policy: string): policy is ReducerName {
  return (REDUCERS as readonly string[]).includes(policy);
}

/**
 * Reduces `patches` (`n*dim`, row-major) to `k` tokens with reducer `name`. `global` (`dim`) is the
 * image's global token (CLS, or the stand-in of a model without one); `seed` drives the seeded ones.
 */
export function reducePatches(name: ReducerName, patches: Float32Array, n: number, dim: number, k: number, global: Float32Array, seed: number): Reduction {
  switch (name) {
    case 'divprune':
      return { tokens: gatherRows(patches, divPrune(patches, n, dim, k), dim), merged: false };
    case 'cls-topk':
      return { tokens: gatherRows(patches, clsTopK(patches, n, dim, k, global), dim), merged: false };
    case 'random':
      return { tokens: gatherRows(patches, randomK(n, k, seed), dim), merged: false };
    case 'tome':
      return { tokens: toMe(patches, n, dim, k).tokens, merged: true };
    case 'kmeans':
      return { tokens: kMeans(patches, n, dim, k, seed).tokens, merged: true };
  }
}
