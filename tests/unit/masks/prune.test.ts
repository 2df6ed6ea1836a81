import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DimensionError, InvalidArgumentError } from '../../../src/errors.ts';
import { maskFromDense } from '../../../src/masks/bitmask.ts';
import { maskIoU } from '../../../src/masks/iou.ts';
import { pruneMasks } from '../../../src/masks/prune.ts';
import { denseMaskArb, refPrune } from '../reference.ts';

const size = 24;
// Few distinct scores so ties (lower index first) are exercised.
const setArb = fc.array(fc.tuple(denseMaskArb(size), fc.constantFrom(0.1, 0.5, 0.5, 0.9, 0.95)), { maxLength: 14 });

describe('pruneMasks', () => {
  it('matches the greedy spec on dense masks, for any threshold and max count', () => {
    fc.assert(
      fc.property(setArb, fc.constantFrom(0, 0.3, 0.5, 0.7, 1), fc.option(fc.nat(6), { nil: undefined }), (set, thr, maxCount) => {
        const masks = set.map(([d, s]) => maskFromDense(d, size, s));
        const got = pruneMasks(masks, { iouThreshold: thr, maxCount });
        const ref = refPrune(
          set.map(([d]) => d),
          set.map(([, s]) => s),
          thr,
          maxCount,
        );
        expect(got).toEqual(ref);
        for (const i of got.kept) for (const j of got.kept) if (i !== j) expect(maskIoU(masks[i]!, masks[j]!)).toBeLessThanOrEqual(thr);
      }),
      { numRuns: 300 },
    );
  });

  it('drops a near-duplicate of a higher-scored mask and keeps disjoint ones', () => {
    const a = new Uint8Array(size * size).fill(1, 0, 200);
    const b = new Uint8Array(size * size).fill(1, 10, 200); // IoU 190/200 with a
    const c = new Uint8Array(size * size).fill(1, 300, 400);
    const masks = [maskFromDense(b, size, 0.8), maskFromDense(a, size, 0.9), maskFromDense(c, size, 0.1)];
    expect(pruneMasks(masks)).toEqual({ kept: [1, 2], removed: [0] });
    expect(pruneMasks(masks, { iouThreshold: 0.96 })).toEqual({ kept: [1, 0, 2], removed: [] });
    expect(pruneMasks(masks, { maxCount: 1 })).toEqual({ kept: [1], removed: [0, 2] });
    expect(pruneMasks([])).toEqual({ kept: [], removed: [] });
  });

  it('rejects bad options and mixed resolutions with typed errors', () => {
    const m = maskFromDense(new Uint8Array(16).fill(1), 4, 1);
    expect(() => pruneMasks([m], { iouThreshold: NaN })).toThrow(InvalidArgumentError);
    expect(() => pruneMasks([m], { iouThreshold: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => pruneMasks([m], { maxCount: 2.5 })).toThrow(InvalidArgumentError);
    expect(() => pruneMasks([m], { maxCount: -1 })).toThrow(InvalidArgumentError);
    expect(() => pruneMasks([m, maskFromDense(new Uint8Array(25).fill(1), 5, 1)])).toThrow(DimensionError);
  });

  it('rejects non-arrays, non-masks and NaN scores with typed errors', () => {
    const m = maskFromDense(new Uint8Array(16).fill(1), 4, 1);
    expect(() => pruneMasks(null as unknown as [])).toThrow(InvalidArgumentError);
    expect(() => pruneMasks([m, null as unknown as typeof m])).toThrow(/masks\[1\] is not a BitMask/);
    expect(() => pruneMasks([m, { ...m, score: NaN }])).toThrow(InvalidArgumentError);
    expect(() => pruneMasks([m, { ...m, score: NaN }])).toThrow(/masks\[1\]\.score must be a number/);
  });
});
