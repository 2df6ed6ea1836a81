/** Norm scaling of CLS and object tokens (docs/composition.md, "Norm scaling"). */
import { DimensionError, InvalidArgumentError } from '../errors.ts';
import { checkInteger } from '../validate.ts';

/** 'per-image': rescale CLS/object tokens to the image's patch statistics (the default); 'none': leave them. */
export type NormScaleMode = 'per-image' | 'none';

/** Mean and population standard deviation of an image's patch features. */
export interface PatchStatistics {
  mean: number;
  std: number;
}

/** Added to a token's std so a constant token does not divide by zero. */
export const NORM_EPSILON = 1e-6;

/**
 * `mu_P` and `sigma_P`: mean and population standard deviation over all `N*D` elements of the
 * full-resolution patch features (two passes in float64, so large images stay accurate).
 */
export function patchStatistics(features: Float32Array): PatchStatistics {
  const n = features.length;
  if (n === 0) throw new InvalidArgumentError('features is empty; pass the N*D patch features of an image');
  let sum = 0;
  for (let i = 0; i < n; i++) sum += features[i]!;
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const d = features[i]! - mean;
    sq += d * d;
  }
  return { mean, std: Math.sqrt(sq / n) };
}

/**
 * Rescales `count = tokens.length / dim` tokens (row-major `count*dim`) and returns a new array.
 * Mode 'per-image': each token `t` becomes `t' = (t - mean(t)) / (std(t) + 1e-6) * sigma_P + mu_P`,
 * with `mean(t)`, `std(t)` the mean and population std over its `dim` elements and
 * `{mean: mu_P, std: sigma_P}` = `stats` (see {@link patchStatistics}). Apply it to CLS and object
 * tokens only; patch tokens are never rescaled. Mode 'none' returns an unchanged copy.
 */
export function normScale(tokens: Float32Array, dim: number, stats: PatchStatistics, mode: NormScaleMode = 'per-image'): Float32Array {
  checkInteger('dim', dim, 1);
  if (tokens.length % dim !== 0) {
    throw new DimensionError(`tokens has ${tokens.length} elements, not a multiple of dim = ${dim}; pass count*dim values`);
  }
  checkNormMode(mode);
  const out = Float32Array.from(tokens);
  if (mode === 'per-image') {
    for (let o = 0; o < out.length; o += dim) normScaleToken(out, o, dim, stats);
  }
  return out;
}

/** Throws InvalidArgumentError unless `mode` is a {@link NormScaleMode}. */
export function checkNormMode(mode: NormScaleMode): void {
  if (mode !== 'per-image' && mode !== 'none') {
    throw new InvalidArgumentError(`unknown norm-scale mode ${JSON.stringify(mode)}; pass 'per-image' or 'none'`);
  }
}

/** Rescales the token at `out[offset .. offset+dim)` in place with the 'per-image' formula. */
export function normScaleToken(out: Float32Array, offset: number, dim: number, stats: PatchStatistics): void {
  let sum = 0;
  for (let d = 0; d < dim; d++) sum += out[offset + d]!;
  const mean = sum / dim;
  let sq = 0;
  for (let d = 0; d < dim; d++) {
    const v = out[offset + d]! - mean;
    sq += v * v;
  }
  const scale = stats.std / (Math.sqrt(sq / dim) + NORM_EPSILON);
  for (let d = 0; d < dim; d++) out[offset + d] = (out[offset + d]! - mean) * scale + stats.mean;
}
