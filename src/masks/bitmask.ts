/**
 * The compact mask type: a square M x M binary mask, bit-packed row-major 32 pixels per word
 * (docs/composition.md), with its bounding box, area and score kept alongside so IoU and pruning
 * can reject most pairs without touching the bits.
 */
import { InvalidArgumentError } from '../errors.ts';
import { checkNumber, checkInteger, checkLength } from '../validate.ts';

/** A bit-packed square binary mask with its bounding box, area and confidence score. */
export interface BitMask {
  /** Side M of the square mask (M x M pixels). */
  size: number;
  /** Row-major bits: pixel `i = y*M + x` is bit `i % 32` of word `i >> 5`. Length `ceil(M*M/32)`. */
  bits: Uint32Array;
  /** Half-open bounding box `[x0, y0, x1, y1]` of the inside pixels; `[0, 0, 0, 0]` when empty. */
  bbox: [x0: number, y0: number, x1: number, y1: number];
  /** Number of inside pixels. */
  area: number;
  /** Confidence score (e.g. SAM's predicted IoU); pruning keeps higher scores first. */
  score: number;
}

/** Number of 32-bit words holding an M x M mask. */
export function maskWords(size: number): number {
  return (size * size + 31) >>> 5;
}

/** Throws InvalidArgumentError unless `value` looks like a {@link BitMask} (masks from users' own code). */
export function checkMask(name: string, value: unknown): asserts value is BitMask {
  const m = value as Partial<BitMask> | null;
  if (typeof m !== 'object' || m === null || !(m.bits instanceof Uint32Array) || !Array.isArray(m.bbox) || typeof m.area !== 'number') {
    throw new InvalidArgumentError(`${name} is not a BitMask (got ${value === null ? 'null' : typeof value}); build masks with maskFromDense or maskFromBits`);
  }
}

/** Throws InvalidArgumentError unless `masks` is an array of {@link BitMask}s. */
export function checkMasks(masks: readonly BitMask[]): void {
  if (!Array.isArray(masks)) throw new InvalidArgumentError(`masks must be an array of BitMasks, got ${masks === null ? 'null' : typeof masks}`);
  masks.forEach((m, i) => checkMask(`masks[${i}]`, m));
}

/** Throws InvalidArgumentError for a NaN threshold, which would make every mask empty. */
function checkThreshold(threshold: number): void {
  if (Number.isNaN(threshold)) throw new InvalidArgumentError('threshold must be a number, got NaN; pass 0 for logits');
}

/**
 * Builds a mask from its packed bits, computing bbox and area. `bits` is used as is (not copied);
 * this is how masks are rebuilt after crossing the worker boundary.
 */
export function maskFromBits(bits: Uint32Array, size: number, score: number): BitMask {
  checkInteger('size', size, 1);
  checkLength('bits', bits.length, maskWords(size), 'ceil(size*size/32)');
  checkNumber('score', score);
  const n = size * size;
  // Padding bits of the last word are not pixels: set, they would count in IoU (and push it over 1).
  if (n & 31 && bits[bits.length - 1]! >>> (n & 31)) {
    throw new InvalidArgumentError(`bits has bits beyond size*size = ${n} set; the last word's bits from ${n & 31} up must be 0`);
  }
  let x0 = size;
  let y0 = size;
  let x1 = 0;
  let y1 = 0;
  let area = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0, i = y * size; x < size; x++, i++) {
      if ((bits[i >>> 5]! >>> (i & 31)) & 1) {
        area++;
        if (x < x0) x0 = x;
        if (x >= x1) x1 = x + 1;
        if (y < y0) y0 = y;
        y1 = y + 1;
      }
    }
  }
  const bbox: BitMask['bbox'] = area === 0 ? [0, 0, 0, 0] : [x0, y0, x1, y1];
  return { size, bits, bbox, area, score };
}

/**
 * Builds a mask from a dense row-major M x M array: a pixel is inside when its value is greater
 * than `threshold` (0 for logits; 0.5 for probabilities; 0 also works for 0/1 masks).
 */
export function maskFromDense(values: ArrayLike<number>, size: number, score: number, threshold = 0): BitMask {
  checkInteger('size', size, 1);
  checkLength('values', values.length, size * size, 'size*size');
  checkNumber('score', score);
  checkThreshold(threshold);
  const bits = new Uint32Array(maskWords(size));
  for (let i = 0; i < size * size; i++) {
    if (values[i]! > threshold) bits[i >>> 5]! |= 1 << (i & 31);
  }
  return maskFromBits(bits, size, score);
}

/** Unpacks a mask to a dense row-major M x M array of 0/1. */
export function maskToDense(mask: BitMask): Uint8Array {
  const n = mask.size * mask.size;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (mask.bits[i >>> 5]! >>> (i & 31)) & 1;
  return out;
}

/**
 * Resamples a dense row-major `height x width` array (e.g. SAM logits covering a sub-rectangle of
 * the frame) to an M x M mask: bilinear sampling at pixel centres (PyTorch `interpolate`,
 * `align_corners=False`, edges clamped), then `value > threshold` is inside.
 */
export function resampleToMask(
  values: ArrayLike<number>,
  width: number,
  height: number,
  size: number,
  score: number,
  threshold = 0,
): BitMask {
  checkInteger('width', width, 1);
  checkInteger('height', height, 1);
  checkInteger('size', size, 1);
  checkLength('values', values.length, width * height, 'width*height');
  checkNumber('score', score);
  checkThreshold(threshold);
  const bits = new Uint32Array(maskWords(size));
  const sx = width / size;
  const sy = height / size;
  for (let y = 0; y < size; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), height - 1);
    const ya = Math.floor(fy);
    const yb = Math.min(ya + 1, height - 1);
    const wy = fy - ya;
    const rowA = ya * width;
    const rowB = yb * width;
    for (let x = 0; x < size; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), width - 1);
      const xa = Math.floor(fx);
      const xb = Math.min(xa + 1, width - 1);
      const wx = fx - xa;
      const top = values[rowA + xa]! * (1 - wx) + values[rowA + xb]! * wx;
      const bottom = values[rowB + xa]! * (1 - wx) + values[rowB + xb]! * wx;
      if (top * (1 - wy) + bottom * wy > threshold) {
        const i = y * size + x;
        bits[i >>> 5]! |= 1 << (i & 31);
      }
    }
  }
  return maskFromBits(bits, size, score);
}
