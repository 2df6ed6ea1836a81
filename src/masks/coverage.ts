/** Mask coverage on the patch grid (docs/composition.md, "Mask coverage on the patch grid"). */
import { adaptiveEnd, adaptiveStart } from '../grid/adaptive.ts';
import { checkInteger } from '../validate.ts';
import type { BitMask } from './bitmask.ts';

/**
 * Fraction of each patch cell covered by the mask: adaptive average pooling of the 0/1 mask from
 * M x M to `gridH x gridW`, row-major. Uses an integral image, so each cell costs O(1).
 */
export function maskCoverage(mask: BitMask, gridH: number, gridW: number): Float32Array {
  checkInteger('gridH', gridH, 1);
  checkInteger('gridW', gridW, 1);
  const m = mask.size;
  const stride = m + 1;
  // sums[(y)*stride + x] = inside pixels in rows < y, columns < x.
  const sums = new Int32Array(stride * stride);
  for (let y = 0; y < m; y++) {
    let rowSum = 0;
    for (let x = 0, i = y * m; x < m; x++, i++) {
      rowSum += (mask.bits[i >>> 5]! >>> (i & 31)) & 1;
      sums[(y + 1) * stride + x + 1] = sums[y * stride + x + 1]! + rowSum;
    }
  }
  const out = new Float32Array(gridH * gridW);
  for (let i = 0; i < gridH; i++) {
    const r0 = adaptiveStart(i, m, gridH);
    const r1 = adaptiveEnd(i, m, gridH);
    for (let j = 0; j < gridW; j++) {
      const c0 = adaptiveStart(j, m, gridW);
      const c1 = adaptiveEnd(j, m, gridW);
      const inside = sums[r1 * stride + c1]! - sums[r0 * stride + c1]! - sums[r1 * stride + c0]! + sums[r0 * stride + c0]!;
      out[i * gridW + j] = inside / ((r1 - r0) * (c1 - c0));
    }
  }
  return out;
}
