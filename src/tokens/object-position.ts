/**
 * Object position embedding (docs/composition.md, "Object position embedding"): our extension
 * beyond the paper. Mask pooling averages away where an object is, so a model may be trained with
 * a fixed sinusoidal embedding of each mask's centroid and box size added to its object token.
 */
import { EmptyMaskError, InvalidArgumentError } from '../errors.ts';
import type { BitMask } from '../masks/bitmask.ts';
import { checkInteger } from '../validate.ts';

/** 'box-sincos': add the embedding to object tokens (the model was trained with it); 'none': do not. */
export type ObjectPositionMode = 'none' | 'box-sincos';

/** Amplitude of the embedding relative to the image's patch-feature std sigma_P. */
export const OBJECT_POSITION_SCALE = 1;

/**
 * The embedding of one mask, `dim` values (dim divisible by 8): with s = (cx, cy, w, h) = the
 * centroid `(mean x + 0.5, mean y + 0.5)` and the box size `(x1 - x0, y1 - y0)` of the inside
 * pixels, all divided by M, block j (2F = dim/4 values) holds `sin(pi f_k s_j), cos(pi f_k s_j)`
 * for `f_k = 2^(k/3)`, k = 0..F-1.
 */
export function objectPositionEmbedding(mask: BitMask, dim: number): Float32Array {
  checkInteger('dim', dim, 1);
  if (dim % 8 !== 0) throw new InvalidArgumentError(`the object position embedding needs a hidden size divisible by 8, got ${dim}`);
  const m = mask.size;
  let sx = 0;
  let sy = 0;
  let area = 0;
  for (let y = 0, i = 0; y < m; y++) {
    for (let x = 0; x < m; x++, i++) {
      if ((mask.bits[i >>> 5]! >>> (i & 31)) & 1) {
        sx += x;
        sy += y;
        area++;
      }
    }
  }
  if (area === 0) throw new EmptyMaskError('the mask is empty, so it has no position; drop empty masks before composing', { area });
  const [x0, y0, x1, y1] = mask.bbox;
  const s = [(sx / area + 0.5) / m, (sy / area + 0.5) / m, (x1 - x0) / m, (y1 - y0) / m];
  const f = dim / 8;
  const out = new Float32Array(dim);
  for (let j = 0; j < 4; j++) {
    for (let k = 0; k < f; k++) {
      const a = Math.PI * s[j]! * 2 ** (k / 3);
      out[j * 2 * f + 2 * k] = Math.sin(a);
      out[j * 2 * f + 2 * k + 1] = Math.cos(a);
    }
  }
  return out;
}

/** Adds `OBJECT_POSITION_SCALE * sigmaP * objectPositionEmbedding(mask)` to the token at `out[offset..offset+dim)`. */
export function addObjectPosition(out: Float32Array, offset: number, dim: number, mask: BitMask, sigmaP: number): void {
  const e = objectPositionEmbedding(mask, dim);
  const a = OBJECT_POSITION_SCALE * sigmaP;
  for (let d = 0; d < dim; d++) out[offset + d] = out[offset + d]! + a * e[d]!;
}
