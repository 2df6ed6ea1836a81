import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DimensionError } from '../../../src/errors.ts';
import { tokenNorms } from '../../../src/tokens/token-norms.ts';
import { featuresArb, refNormScale, refStats } from '../reference.ts';

const l2 = (v: ArrayLike<number>): number => Math.sqrt(Array.from(v, (x) => x * x).reduce((a, b) => a + b, 0));

describe('tokenNorms', () => {
  it('gives the CLS norm before and after per-image scaling and the mean patch norm', () => {
    const arb = fc
      .record({ cells: fc.integer({ min: 1, max: 9 }), d: fc.integer({ min: 2, max: 12 }) })
      .chain(({ cells, d }) => fc.tuple(fc.constant(cells), fc.constant(d), featuresArb((1 + cells) * d)));
    fc.assert(
      fc.property(arb, ([cells, d, hidden]) => {
        const got = tokenNorms(hidden, cells, d, 'per-image');
        const cls = hidden.subarray(0, d);
        const patches = hidden.subarray(d);
        expect(got.cls).toBeCloseTo(l2(cls), 4);
        expect(got.clsScaled).toBeCloseTo(l2(refNormScale(cls, refStats(patches))), 3);
        let sum = 0;
        for (let c = 0; c < cells; c++) sum += l2(patches.subarray(c * d, (c + 1) * d));
        expect(got.patchMean).toBeCloseTo(sum / cells, 4);
      }),
    );
  });

  it("leaves the CLS norm as it is under mode 'none' and does not modify its input", () => {
    const hidden = Float32Array.from([3, 4, 0.1, 0.2, 0.3, 0.4]);
    const copy = hidden.slice();
    expect(tokenNorms(hidden, 2, 2, 'none')).toMatchObject({ cls: 5, clsScaled: 5 });
    // Scaled towards patches of std ~0.11: the CLS norm shrinks.
    expect(tokenNorms(hidden, 2, 2, 'per-image').clsScaled).toBeLessThan(1);
    expect(hidden).toEqual(copy);
  });

  it('rejects hidden states whose length does not match the grid', () => {
    expect(() => tokenNorms(new Float32Array(7), 2, 2, 'none')).toThrow(DimensionError);
  });
});
