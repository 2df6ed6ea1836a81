import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DimensionError, InvalidArgumentError } from '../../../src/errors.ts';
import { type NormScaleMode, normScale, patchStatistics } from '../../../src/tokens/norm-scale.ts';
import { featuresArb, maxAbsDiff, refNormScale, refStats } from '../reference.ts';

describe('patchStatistics', () => {
  it('is the mean and population std over all elements', () => {
    fc.assert(
      fc.property(featuresArb(60), (x) => {
        const got = patchStatistics(x);
        const ref = refStats(x);
        expect(got.mean).toBeCloseTo(ref.mean, 10);
        expect(got.std).toBeCloseTo(ref.std, 10);
      }),
    );
    expect(patchStatistics(Float32Array.from([1, 3]))).toEqual({ mean: 2, std: 1 });
  });
});

describe('normScale', () => {
  it("'per-image' applies (t - mean(t)) / (std(t) + 1e-6) * sigma_P + mu_P to every token", () => {
    const arb = fc
      .record({ count: fc.integer({ min: 1, max: 5 }), d: fc.integer({ min: 2, max: 16 }) })
      .chain(({ count, d }) => fc.tuple(fc.constant(d), featuresArb(count * d), fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: 0, max: 3, noNaN: true })));
    fc.assert(
      fc.property(arb, ([d, tokens, mean, std]) => {
        const got = normScale(tokens, d, { mean, std });
        const ref: number[] = [];
        for (let o = 0; o < tokens.length; o += d) ref.push(...refNormScale(tokens.subarray(o, o + d), { mean, std }));
        expect(maxAbsDiff(got, ref)).toBeLessThan(1e-3 * Math.max(1, std));
      }),
    );
  });

  it('gives each token the patch statistics and leaves the input alone', () => {
    const tokens = Float32Array.from([10, 20, 30, 40, -5, 5, -5, 5]);
    const copy = tokens.slice();
    const out = normScale(tokens, 4, { mean: 0.5, std: 2 });
    expect(tokens).toEqual(copy);
    for (const o of [0, 4]) {
      const s = refStats(out.subarray(o, o + 4));
      expect(s.mean).toBeCloseTo(0.5, 5);
      expect(s.std).toBeCloseTo(2, 4);
    }
  });

  it('maps a constant token to mu_P (no NaN) and leaves tokens as they are in mode none', () => {
    expect(Array.from(normScale(Float32Array.from([3, 3, 3]), 3, { mean: 1, std: 2 }))).toEqual([1, 1, 1]);
    const t = Float32Array.from([1, 2, 3, 4]);
    const out = normScale(t, 2, { mean: 0, std: 1 }, 'none');
    expect(out).toEqual(t);
    expect(out).not.toBe(t);
  });

  it('rejects a length that is not a multiple of dim and unknown modes', () => {
    expect(() => normScale(new Float32Array(5), 2, { mean: 0, std: 1 })).toThrow(DimensionError);
    expect(() => normScale(new Float32Array(4), 2, { mean: 0, std: 1 }, 'global' as NormScaleMode)).toThrow(InvalidArgumentError);
    expect(() => patchStatistics(new Float32Array(0))).toThrow(InvalidArgumentError);
  });
});
