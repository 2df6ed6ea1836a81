import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DimensionError, EmptyMaskError } from '../../../src/errors.ts';
import { poolMask } from '../../../src/tokens/pool-mask.ts';
import { featuresArb, maxAbsDiff, refPoolMask } from '../reference.ts';

describe('poolMask', () => {
  it('is the coverage-weighted mean of patch features', () => {
    const arb = fc
      .record({ n: fc.integer({ min: 1, max: 40 }), d: fc.integer({ min: 1, max: 8 }) })
      .chain(({ n, d }) =>
        fc.tuple(
          fc.constant(d),
          featuresArb(n * d),
          fc.float32Array({ minLength: n, maxLength: n, min: 0, max: 1, noNaN: true }).filter((c) => c.some((v) => v > 1e-3)),
        ),
      );
    fc.assert(
      fc.property(arb, ([d, x, cov]) => {
        expect(maxAbsDiff(poolMask(x, cov, d), refPoolMask(x, cov, d))).toBeLessThan(1e-4);
      }),
    );
  });

  it('gives the patch itself for a one-cell mask and the global mean for a full one', () => {
    const x = Float32Array.from([1, 2, 3, 4, 5, 6]); // 3 patches of dim 2
    expect(Array.from(poolMask(x, Float32Array.from([0, 0.25, 0]), 2))).toEqual([3, 4]);
    expect(Array.from(poolMask(x, Float32Array.from([1, 1, 1]), 2))).toEqual([3, 4]);
  });

  it('raises EmptyMaskError for zero coverage, never NaN', () => {
    expect(() => poolMask(new Float32Array(6), new Float32Array(3), 2)).toThrow(EmptyMaskError);
  });

  it('rejects features that do not match the coverage', () => {
    expect(() => poolMask(new Float32Array(7), new Float32Array(3).fill(1), 2)).toThrow(DimensionError);
  });
});
