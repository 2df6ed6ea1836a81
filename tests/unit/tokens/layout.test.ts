import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DimensionError, EmptyMaskError, InvalidArgumentError } from '../../../src/errors.ts';
import { maskFromDense } from '../../../src/masks/bitmask.ts';
import { TokenKind, composeVisualTokens } from '../../../src/tokens/layout.ts';
import type { NormScaleMode } from '../../../src/tokens/norm-scale.ts';
import { planImage } from '../../../src/tokens/plan.ts';
import { denseMaskArb, featuresArb, refNormScale, refPool, refPoolMask, refStats } from '../reference.ts';

const M = 16;

describe('composeVisualTokens', () => {
  it('lays out [CLS] [patches row-major] [objects in pruned order], each built as the spec says', () => {
    const arb = fc
      .record({ gh: fc.integer({ min: 1, max: 8 }), gw: fc.integer({ min: 1, max: 8 }), d: fc.integer({ min: 2, max: 6 }) })
      .chain((s) =>
        fc.tuple(
          fc.constant(s),
          featuresArb((1 + s.gh * s.gw) * s.d),
          fc.array(fc.tuple(denseMaskArb(M), fc.double({ min: 0, max: 1, noNaN: true })), { maxLength: 12 }),
          fc.integer({ min: 1, max: 60 }),
          fc.constantFrom('per-image' as const, 'none' as const),
        ),
      );
    fc.assert(
      fc.property(arb, ([{ gh, gw, d }, hidden, set, budget, normMode]) => {
        const masks = set.map(([m, s]) => maskFromDense(m, M, s));
        const plan = planImage(masks, [gh, gw], { budget });
        const { tokens, kinds } = composeVisualTokens(hidden, [gh, gw], d, masks, plan, normMode);
        const patches = hidden.subarray(d);
        const stats = refStats(patches);
        const expected: number[] = [];
        const tolerance: number[] = [];
        const expectedKinds: number[] = [];
        // Norm scaling divides by the token's own std, so a nearly constant token magnifies the
        // float32 rounding of its pooled values: the tolerance grows with that amplification.
        const push = (t: ArrayLike<number>, scaled: boolean) => {
          const s = refStats(t);
          const amplification = scaled && normMode === 'per-image' ? (stats.std * (Math.abs(s.mean) + s.std)) / (s.std + 1e-6) : 1;
          expected.push(...(scaled && normMode === 'per-image' ? refNormScale(t, stats) : Array.from(t)));
          for (let i = 0; i < t.length; i++) tolerance.push(1e-4 + 1e-6 * amplification);
        };
        push(hidden.subarray(0, d), true);
        expectedKinds.push(TokenKind.cls);
        push(refPool(patches, gh, gw, d, plan.grid[0], plan.grid[1]), false);
        for (let i = 0; i < plan.grid[0] * plan.grid[1]; i++) expectedKinds.push(TokenKind.patch);
        for (const id of plan.maskIds) {
          push(refPoolMask(patches, refPool(set[id]![0], M, M, 1, gh, gw), d), true);
          expectedKinds.push(TokenKind.object);
        }
        expect(Array.from(kinds)).toEqual(expectedKinds);
        expect(tokens.length).toBe(plan.total * d);
        const off = expected.flatMap((v, i) => (Math.abs(tokens[i]! - v) > tolerance[i]! ? [[i, tokens[i], v, tolerance[i]]] : []));
        expect(off).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it('leaves out kinds absent from the plan (patch-only is plain pooled patches)', () => {
    const hidden = Float32Array.from({ length: (1 + 16) * 2 }, (_, i) => i);
    const plan = planImage([], [4, 4], { budget: 4, policy: 'patch-only' });
    const { tokens, kinds } = composeVisualTokens(hidden, [4, 4], 2, [], plan, 'per-image');
    expect(Array.from(kinds)).toEqual([1, 1, 1, 1]);
    expect(Array.from(tokens)).toEqual(refPool(hidden.subarray(2), 4, 4, 2, 2, 2));
  });

  it('rejects mismatched hidden states, inconsistent plans and empty masks with typed errors', () => {
    const hidden = new Float32Array((1 + 4) * 3).fill(1);
    const full = maskFromDense(new Uint8Array(M * M).fill(1), M, 1);
    const plan = planImage([full], [2, 2], { budget: 6 });
    expect(() => composeVisualTokens(hidden.subarray(3), [2, 2], 3, [full], plan, 'none')).toThrow(DimensionError);
    expect(() => composeVisualTokens(hidden, [2, 2], 3, [full], { ...plan, total: 99 }, 'none')).toThrow(InvalidArgumentError);
    expect(() => composeVisualTokens(hidden, [2, 2], 3, [], plan, 'none')).toThrow(DimensionError);
    const empty = maskFromDense(new Uint8Array(M * M), M, 1);
    expect(() => composeVisualTokens(hidden, [2, 2], 3, [empty], { ...plan, maskIds: [0] }, 'none')).toThrow(EmptyMaskError);
  });

  it('rejects an unknown norm-scale mode and masks that are not an array of masks', () => {
    const hidden = new Float32Array((1 + 4) * 3).fill(1);
    const full = maskFromDense(new Uint8Array(M * M).fill(1), M, 1);
    const plan = planImage([full], [2, 2], { budget: 6 });
    const mode = 'per_image' as NormScaleMode;
    expect(() => composeVisualTokens(hidden, [2, 2], 3, [full], plan, mode)).toThrow(InvalidArgumentError);
    expect(() => composeVisualTokens(hidden, [2, 2], 3, [full], plan, mode)).toThrow(/unknown norm-scale mode "per_image"/);
    expect(() => composeVisualTokens(hidden, [2, 2], 3, null as unknown as [], plan, 'none')).toThrow(InvalidArgumentError);
    expect(() => composeVisualTokens(hidden, [2, 2], 3, [null as unknown as typeof full], plan, 'none')).toThrow(/masks\[0\] is not a BitMask/);
  });
});
