/** Object tokens by mask-weighted pooling (docs/composition.md, "Object token"). */
import { EmptyMaskError } from '../errors.ts';
import { checkInteger, checkLength } from '../validate.ts';

/**
 * The object token of one mask: `sum_c coverage[c] * patch[c] / sum_c coverage[c]` over all N
 * full-resolution patch cells. `features` is `N*dim` row-major patch features (no CLS row),
 * `coverage` has N entries (see `maskCoverage`). Throws EmptyMaskError when the coverage is all
 * zero, instead of returning NaN.
 */
export function poolMask(features: Float32Array, coverage: Float32Array, dim: number): Float32Array {
  checkInteger('dim', dim, 1);
  const n = coverage.length;
  checkLength('features', features.length, n * dim, 'coverage.length*dim');
  const acc = new Float64Array(dim);
  let total = 0;
  for (let c = 0; c < n; c++) {
    const w = coverage[c]!;
    if (w === 0) continue;
    total += w;
    const base = c * dim;
    for (let d = 0; d < dim; d++) acc[d]! += w * features[base + d]!;
  }
  if (!(total > 0)) {
    throw new EmptyMaskError('the mask covers no patch cell, so it has no object token; drop empty masks (pruneMasks does) before pooling', {
      coverageSum: total,
    });
  }
  const out = new Float32Array(dim);
  for (let d = 0; d < dim; d++) out[d] = acc[d]! / total;
  return out;
}
