/** Intersection-over-union of bit-packed masks. */
import { DimensionError } from '../errors.ts';
import { type BitMask, checkMask } from './bitmask.ts';

/** Number of set bits in a 32-bit word (SWAR popcount). */
export function popcount32(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

/**
 * Number of pixels inside both masks. Only the words spanning the bounding-box overlap are read:
 * a pixel inside both masks lies inside both boxes, so nothing outside that overlap can count.
 * Counting stops early, returning a partial count, once it exceeds `stopAbove`.
 */
export function maskIntersection(a: BitMask, b: BitMask, stopAbove = Infinity): number {
  const x0 = Math.max(a.bbox[0], b.bbox[0]);
  const y0 = Math.max(a.bbox[1], b.bbox[1]);
  const x1 = Math.min(a.bbox[2], b.bbox[2]);
  const y1 = Math.min(a.bbox[3], b.bbox[3]);
  if (x0 >= x1 || y0 >= y1) return 0;
  const m = a.size;
  const wa = a.bits;
  const wb = b.bits;
  let count = 0;
  let next = 0; // first word not yet counted: rows of a size that is not a multiple of 32 share words
  for (let y = y0; y < y1; y++) {
    const row = y * m;
    const last = (row + x1 - 1) >>> 5;
    for (let w = Math.max((row + x0) >>> 5, next); w <= last; w++) {
      const v = wa[w]! & wb[w]!;
      if (v !== 0) count += popcount32(v);
    }
    if (count > stopAbove) return count;
    next = last + 1;
  }
  return count;
}

/**
 * IoU of two masks of the same resolution: |A and B| / |A or B|, in [0, 1]. Two empty masks
 * have IoU 0 (they share no object). Throws DimensionError when the resolutions differ.
 */
export function maskIoU(a: BitMask, b: BitMask): number {
  checkMask('a', a);
  checkMask('b', b);
  if (a.size !== b.size) {
    throw new DimensionError(`masks have different resolutions (${a.size} and ${b.size}); resample both to the same size`, {
      a: a.size,
      b: b.size,
    });
  }
  if (a.area === 0 || b.area === 0) return 0;
  const inter = maskIntersection(a, b);
  return inter / (a.area + b.area - inter);
}
