/** Adaptive average pooling of the patch grid (docs/composition.md, "Adaptive average pooling"). */
import { InvalidArgumentError } from '../errors.ts';
import { checkInteger, checkLength } from '../validate.ts';
import { adaptiveEnd, adaptiveStart } from '../grid/adaptive.ts';

/**
 * Pools a `gridH x gridW` grid of `dim`-dim features (row-major `N*dim`, N = gridH*gridW) to
 * `outH x outW` with PyTorch `adaptive_avg_pool2d` semantics: 24x24 -> 6x6 averages exact 4x4
 * blocks; non-divisible sizes use overlapping cells. Returns `outH*outW*dim`, row-major.
 */
export function poolPatches(
  features: Float32Array,
  gridH: number,
  gridW: number,
  dim: number,
  outH: number,
  outW: number,
): Float32Array {
  checkInteger('gridH', gridH, 1);
  checkInteger('gridW', gridW, 1);
  checkInteger('dim', dim, 1);
  checkInteger('outH', outH, 0);
  checkInteger('outW', outW, 0);
  checkLength('features', features.length, gridH * gridW * dim, 'gridH*gridW*dim');
  if (outH > gridH || outW > gridW) {
    throw new InvalidArgumentError(`cannot pool a ${gridH}x${gridW} grid up to ${outH}x${outW}; pass an output no larger than the grid`);
  }
  const out = new Float32Array(outH * outW * dim);
  const acc = new Float64Array(dim); // one scratch row for the whole call
  for (let i = 0; i < outH; i++) {
    const r0 = adaptiveStart(i, gridH, outH);
    const r1 = adaptiveEnd(i, gridH, outH);
    for (let j = 0; j < outW; j++) {
      const c0 = adaptiveStart(j, gridW, outW);
      const c1 = adaptiveEnd(j, gridW, outW);
      acc.fill(0);
      for (let r = r0; r < r1; r++) {
        for (let c = c0; c < c1; c++) {
          const base = (r * gridW + c) * dim;
          for (let d = 0; d < dim; d++) acc[d]! += features[base + d]!;
        }
      }
      const inv = 1 / ((r1 - r0) * (c1 - c0));
      const o = (i * outW + j) * dim;
      for (let d = 0; d < dim; d++) out[o + d] = acc[d]! * inv;
    }
  }
  return out;
}
