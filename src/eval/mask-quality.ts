/** Mask quality of automatic proposals against ground-truth instances (best IoU per object). */
import type { BitMask } from '../masks/bitmask.ts';
import { maskIoU } from '../masks/iou.ts';

/** Best IoU of each ground-truth object with any proposal, and their mean. */
export interface BestIoU {
  /** One entry per ground-truth object, in input order (0 when there are no proposals). */
  perObject: number[];
  /** Mean of `perObject` (NaN when there are no objects). */
  mean: number;
}

/**
 * For every ground-truth instance, the highest IoU any proposal reaches with it (the usual
 * "mean best overlap" of mask proposals). Both sets must share one mask resolution
 * (maskIoU throws DimensionError otherwise).
 */
export function meanBestIoU(truth: readonly BitMask[], proposals: readonly BitMask[]): BestIoU {
  const perObject = truth.map((gt) => {
    let best = 0;
    for (const p of proposals) best = Math.max(best, maskIoU(gt, p));
    return best;
  });
  return { perObject, mean: perObject.reduce((a, b) => a + b, 0) / perObject.length };
}
