import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.ts';
import { maskFromDense } from '../../../src/masks/bitmask.ts';
import { maskCoverage } from '../../../src/masks/coverage.ts';
import { denseMaskArb, maxAbsDiff, refPool } from '../reference.ts';

describe('maskCoverage', () => {
  it('is adaptive average pooling of the 0/1 mask to the grid', () => {
    const arb = fc
      .record({ size: fc.integer({ min: 1, max: 40 }), gh: fc.integer({ min: 1, max: 40 }), gw: fc.integer({ min: 1, max: 40 }) })
      .filter(({ size, gh, gw }) => gh <= size && gw <= size)
      .chain((s) => fc.tuple(fc.constant(s), denseMaskArb(s.size)));
    fc.assert(
      fc.property(arb, ([{ size, gh, gw }, dense]) => {
        const got = maskCoverage(maskFromDense(dense, size, 1), gh, gw);
        expect(maxAbsDiff(got, refPool(dense, size, size, 1, gh, gw))).toBeLessThan(1e-6);
      }),
    );
  });

  it('gives exact block fractions when the grid divides the mask (64 -> 16: 4x4 blocks)', () => {
    const dense = new Uint8Array(64 * 64);
    for (let y = 0; y < 6; y++) for (let x = 0; x < 3; x++) dense[y * 64 + x] = 1;
    const cov = maskCoverage(maskFromDense(dense, 64, 1), 16, 16);
    expect(cov[0]).toBe(12 / 16); // rows 0-3, cols 0-2
    expect(cov[16]).toBe(6 / 16); // rows 4-5, cols 0-2
    expect(cov[1]).toBe(0);
    expect(cov.reduce((s, v) => s + v, 0) * 16).toBe(18);
  });

  it('rejects a non-integer grid', () => {
    expect(() => maskCoverage(maskFromDense([1], 1, 1), 0, 1)).toThrow(InvalidArgumentError);
    expect(() => maskCoverage(maskFromDense([1], 1, 1), 1, 1.5)).toThrow(InvalidArgumentError);
  });
});
