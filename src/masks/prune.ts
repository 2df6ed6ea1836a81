/** Greedy IoU-based mask pruning (docs/composition.md, "Mask pruning"). */
import { DimensionError, InvalidArgumentError } from '../errors.ts';
import { checkNumber } from '../validate.ts';
import { type BitMask, checkMasks } from './bitmask.ts';
import { maskIntersection } from './iou.ts';

/** Options of {@link pruneMasks}. */
export interface PruneOptions {
  /**
   * A mask is dropped when its IoU with an already kept mask is above this.
   * @defaultValue 0.5
   */
  iouThreshold?: number;
  /**
   * Stop after keeping this many masks.
   * @defaultValue Infinity
   */
  maxCount?: number;
}

/** Result of {@link pruneMasks}: indices into the input array. */
export interface PruneResult {
  /** Kept masks, by score descending (ties: lower index first): the order object tokens use. */
  kept: number[];
  /** Every other mask (overlapping, empty, or beyond `maxCount`), in the same score order. */
  removed: number[];
}

/**
 * Sorts masks by score descending (ties: lower index first) and keeps a mask when its IoU with
 * every kept mask is <= `iouThreshold`, until `maxCount` are kept. Empty masks (area 0) are removed:
 * they cover no patch and have no object token.
 */
export function pruneMasks(masks: readonly BitMask[], opts: PruneOptions = {}): PruneResult {
  const threshold = opts.iouThreshold ?? 0.5;
  const maxCount = opts.maxCount ?? Infinity;
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new InvalidArgumentError(`iouThreshold must be a number in [0, 1], got ${String(threshold)}; pass e.g. 0.5`, {
      iouThreshold: threshold,
    });
  }
  if (!(maxCount >= 0) || (maxCount !== Infinity && !Number.isInteger(maxCount))) {
    throw new InvalidArgumentError(`maxCount must be an integer >= 0 or Infinity, got ${String(maxCount)}`, { maxCount });
  }
  checkMasks(masks);
  const n = masks.length;
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    order[i] = i;
    // A NaN score makes the sort comparator inconsistent, so the kept order would be arbitrary.
    checkNumber(`masks[${i}].score`, masks[i]!.score);
    if (masks[i]!.size !== masks[0]!.size) {
      throw new DimensionError(`mask ${i} has resolution ${masks[i]!.size} but mask 0 has ${masks[0]!.size}; pass masks of one size`);
    }
  }
  order.sort((i, j) => masks[j]!.score - masks[i]!.score || i - j);

  const kept: number[] = [];
  const removed: number[] = [];
  // Kept masks' boxes and areas in flat typed arrays: the pair loop below is the hot path.
  const box = new Int32Array(4 * n);
  const area = new Int32Array(n);
  for (const i of order) {
    const a = masks[i]!;
    if (kept.length >= maxCount || a.area === 0 || overlapsKept(a, masks, kept, box, area, threshold)) {
      removed.push(i);
    } else {
      box.set(a.bbox, 4 * kept.length);
      area[kept.length] = a.area;
      kept.push(i);
    }
  }
  return { kept, removed };
}

/** Whether `a` has IoU > threshold with any kept mask; cheap upper bounds reject most pairs first. */
function overlapsKept(
  a: BitMask,
  masks: readonly BitMask[],
  kept: readonly number[],
  box: Int32Array,
  area: Int32Array,
  threshold: number,
): boolean {
  const [ax0, ay0, ax1, ay1] = a.bbox;
  const aa = a.area;
  for (let k = 0, o = 0; k < kept.length; k++, o += 4) {
    const w = Math.min(ax1, box[o + 2]!) - Math.max(ax0, box[o]!);
    if (w <= 0) continue;
    const h = Math.min(ay1, box[o + 3]!) - Math.max(ay0, box[o + 1]!);
    if (h <= 0) continue;
    // The intersection is at most the box overlap and the smaller area, and IoU grows with it.
    // Divisions (not products) so the comparison is the same as maskIoU(a, b) > threshold.
    const ba = area[k]!;
    const bound = Math.min(w * h, aa, ba);
    if (bound / (aa + ba - bound) <= threshold) continue;
    // IoU > t exactly when inter > t(|a| + |b|) / (1 + t); one pixel of margin keeps float
    // rounding out of it, so counting can stop as soon as the overlap is surely large enough.
    const inter = maskIntersection(a, masks[kept[k]!]!, (threshold * (aa + ba)) / (1 + threshold) + 1);
    if (inter / (aa + ba - inter) > threshold) return true;
  }
  return false;
}
