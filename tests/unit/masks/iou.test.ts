import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DimensionError, InvalidArgumentError } from '../../../src/errors.ts';
import { maskFromDense } from '../../../src/masks/bitmask.ts';
import { maskIoU, popcount32 } from '../../../src/masks/iou.ts';
import { denseMaskArb, refIoU } from '../reference.ts';

const pairArb = fc
  .constantFrom(1, 5, 31, 32, 33, 64, 70)
  .chain((size) => fc.tuple(fc.constant(size), denseMaskArb(size), denseMaskArb(size)));

describe('maskIoU', () => {
  it('equals IoU by dense loops, for sizes that do and do not fill whole words', () => {
    fc.assert(
      fc.property(pairArb, ([size, a, b]) => {
        const ma = maskFromDense(a, size, 1);
        const mb = maskFromDense(b, size, 1);
        expect(maskIoU(ma, mb)).toBeCloseTo(refIoU(a, b), 12);
        expect(maskIoU(mb, ma)).toBe(maskIoU(ma, mb));
      }),
      { numRuns: 300 },
    );
  });

  it('is 1 for a mask with itself and 0 when both are empty', () => {
    const a = new Uint8Array(64 * 64);
    a.fill(1, 100, 900);
    expect(maskIoU(maskFromDense(a, 64, 1), maskFromDense(a, 64, 0.2))).toBe(1);
    const empty = maskFromDense(new Uint8Array(64 * 64), 64, 1);
    expect(maskIoU(empty, empty)).toBe(0);
    expect(maskIoU(empty, maskFromDense(a, 64, 1))).toBe(0);
  });

  it('counts bits like a loop', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), (v) => {
        let n = 0;
        for (let b = 0; b < 32; b++) n += (v >>> b) & 1;
        expect(popcount32(v)).toBe(n);
      }),
    );
  });

  it('rejects masks of different resolutions', () => {
    expect(() => maskIoU(maskFromDense(new Uint8Array(16).fill(1), 4, 1), maskFromDense(new Uint8Array(25).fill(1), 5, 1))).toThrow(
      DimensionError,
    );
  });

  it('rejects values that are not masks with a typed error, not a TypeError', () => {
    const m = maskFromDense(new Uint8Array(16).fill(1), 4, 1);
    expect(() => maskIoU(null as unknown as typeof m, m)).toThrow(InvalidArgumentError);
    expect(() => maskIoU(m, { size: 4 } as unknown as typeof m)).toThrow(/b is not a BitMask.*maskFromDense/);
  });
});
