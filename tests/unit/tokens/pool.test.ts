import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DimensionError, InvalidArgumentError } from '../../../src/errors.ts';
import { poolPatches } from '../../../src/tokens/pool.ts';
import { featuresArb, maxAbsDiff, refPool } from '../reference.ts';

describe('poolPatches', () => {
  it('matches adaptive_avg_pool2d by nested loops for any grid and output size', () => {
    const arb = fc
      .record({
        gh: fc.integer({ min: 1, max: 12 }),
        gw: fc.integer({ min: 1, max: 12 }),
        d: fc.integer({ min: 1, max: 5 }),
        oh: fc.integer({ min: 0, max: 12 }),
        ow: fc.integer({ min: 0, max: 12 }),
      })
      .filter((s) => s.oh <= s.gh && s.ow <= s.gw)
      .chain((s) => fc.tuple(fc.constant(s), featuresArb(s.gh * s.gw * s.d)));
    fc.assert(
      fc.property(arb, ([{ gh, gw, d, oh, ow }, x]) => {
        const got = poolPatches(x, gh, gw, d, oh, ow);
        expect(got.length).toBe(oh * ow * d);
        expect(maxAbsDiff(got, refPool(x, gh, gw, d, oh, ow))).toBeLessThan(1e-5);
      }),
    );
  });

  it('pools 24x24 to 6x6 as exact 4x4 block means', () => {
    const d = 3;
    const x = Float32Array.from({ length: 24 * 24 * d }, (_, i) => Math.sin(i));
    const got = poolPatches(x, 24, 24, d, 6, 6);
    for (let by = 0; by < 6; by++) {
      for (let bx = 0; bx < 6; bx++) {
        for (let k = 0; k < d; k++) {
          let s = 0;
          for (let y = 4 * by; y < 4 * by + 4; y++) for (let x0 = 4 * bx; x0 < 4 * bx + 4; x0++) s += x[(y * 24 + x0) * d + k]!;
          expect(got[(by * 6 + bx) * d + k]).toBeCloseTo(s / 16, 5);
        }
      }
    }
  });

  it('is the identity at full size', () => {
    const x = Float32Array.from({ length: 5 * 7 * 2 }, (_, i) => i * 0.37 - 3);
    expect(poolPatches(x, 5, 7, 2, 5, 7)).toEqual(x);
  });

  it('rejects mismatched dims and upsampling with typed errors', () => {
    expect(() => poolPatches(new Float32Array(10), 2, 2, 3, 1, 1)).toThrow(DimensionError);
    expect(() => poolPatches(new Float32Array(12), 2, 2, 3, 3, 1)).toThrow(InvalidArgumentError);
    expect(() => poolPatches(new Float32Array(12), 2, 2, 3, 1.5, 1)).toThrow(InvalidArgumentError);
    expect(() => poolPatches(new Float32Array(12), 2, 2, 0, 1, 1)).toThrow(InvalidArgumentError);
  });
});
