/**
 * L2 norms of an image's visual tokens before the projector: what norm scaling (docs/composition.md,
 * "Norm scaling") does to the CLS token, next to the patch tokens it is scaled towards. UIs show
 * these to make the scaling visible; composition does not use them.
 */
import { checkInteger, checkLength } from '../validate.ts';
import { checkNormMode, type NormScaleMode, normScaleToken, patchStatistics } from './norm-scale.ts';

/** Norms of one image's tokens. */
export interface TokenNorms {
  /** L2 norm of the CLS token as the encoder returns it. */
  cls: number;
  /** L2 norm of the CLS token after norm scaling (equal to `cls` under mode 'none'). */
  clsScaled: number;
  /** Mean L2 norm of the full-resolution patch tokens. */
  patchMean: number;
}

/**
 * Norms of the CLS token before and after norm scaling, and the mean patch-token norm, from the
 * encoder's hidden states `(1+N)*dim`, CLS first.
 */
export function tokenNorms(hidden: Float32Array, gridCells: number, dim: number, mode: NormScaleMode): TokenNorms {
  checkInteger('gridCells', gridCells, 1);
  checkInteger('dim', dim, 1);
  checkLength('hidden', hidden.length, (1 + gridCells) * dim, '(1 + gridCells)*dim');
  checkNormMode(mode);
  const cls = hidden.slice(0, dim);
  const norm = (v: Float32Array, offset: number): number => {
    let sq = 0;
    for (let d = 0; d < dim; d++) sq += v[offset + d]! ** 2;
    return Math.sqrt(sq);
  };
  const before = norm(cls, 0);
  if (mode === 'per-image') normScaleToken(cls, 0, dim, patchStatistics(hidden.subarray(dim)));
  let patchSum = 0;
  for (let c = 1; c <= gridCells; c++) patchSum += norm(hidden, c * dim);
  return { cls: before, clsScaled: norm(cls, 0), patchMean: patchSum / gridCells };
}
