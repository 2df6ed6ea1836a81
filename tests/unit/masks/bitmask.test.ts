import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DimensionError, InvalidArgumentError } from '../../../src/errors.ts';
import { maskFromBits, maskFromDense, maskToDense, resampleToMask } from '../../../src/masks/bitmask.ts';
import { denseMaskArb } from '../reference.ts';

/** Bounding box and area by scanning a dense mask. */
function refBox(dense: Uint8Array, size: number): { bbox: number[]; area: number } {
  let area = 0;
  const xs: number[] = [];
  const ys: number[] = [];
  dense.forEach((v, i) => {
    if (!v) return;
    area++;
    xs.push(i % size);
    ys.push(Math.floor(i / size));
  });
  if (area === 0) return { bbox: [0, 0, 0, 0], area };
  return { bbox: [Math.min(...xs), Math.min(...ys), Math.max(...xs) + 1, Math.max(...ys) + 1], area };
}

/** Bilinear sampling written from PyTorch's align_corners=False formula, with explicit clamps. */
function refResample(v: ArrayLike<number>, w: number, h: number, size: number): number[] {
  const sample = (x: number, y: number) => v[Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))]!;
  const out: number[] = [];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sx = Math.max(0, ((x + 0.5) * w) / size - 0.5);
      const sy = Math.max(0, ((y + 0.5) * h) / size - 0.5);
      const x0 = Math.min(Math.floor(sx), w - 1);
      const y0 = Math.min(Math.floor(sy), h - 1);
      const lx = Math.min(sx, w - 1) - x0;
      const ly = Math.min(sy, h - 1) - y0;
      out.push(
        (1 - ly) * ((1 - lx) * sample(x0, y0) + lx * sample(x0 + 1, y0)) + ly * ((1 - lx) * sample(x0, y0 + 1) + lx * sample(x0 + 1, y0 + 1)),
      );
    }
  }
  return out;
}

describe('BitMask', () => {
  it('round-trips dense masks and computes bbox and area (any size, incl. not multiples of 32)', () => {
    const arb = fc.integer({ min: 1, max: 70 }).chain((size) => fc.tuple(fc.constant(size), denseMaskArb(size)));
    fc.assert(
      fc.property(arb, fc.double({ noNaN: true }), ([size, dense], score) => {
        const mask = maskFromDense(dense, size, score);
        expect(mask.bits.length).toBe(Math.ceil((size * size) / 32));
        expect(maskToDense(mask)).toEqual(dense);
        const ref = refBox(dense, size);
        expect(mask.area).toBe(ref.area);
        expect(mask.bbox).toEqual(ref.bbox);
        expect(mask.score).toBe(score);
        expect(maskFromBits(mask.bits.slice(), size, score)).toEqual(mask);
      }),
    );
  });

  it('thresholds values strictly: logits > 0 are inside', () => {
    const mask = maskFromDense([-1, 0, 1e-9, 3], 2, 0.9);
    expect(Array.from(maskToDense(mask))).toEqual([0, 0, 1, 1]);
    expect(Array.from(maskToDense(maskFromDense([0.2, 0.5, 0.6, 0.9], 2, 1, 0.5)))).toEqual([0, 0, 1, 1]);
  });

  it('rejects wrong lengths and sizes with typed errors', () => {
    expect(() => maskFromDense(new Float32Array(15), 4, 1)).toThrow(DimensionError);
    expect(() => maskFromDense([], 0, 1)).toThrow(InvalidArgumentError);
    expect(() => maskFromBits(new Uint32Array(3), 8, 1)).toThrow(DimensionError);
    expect(() => resampleToMask([1, 2, 3], 2, 2, 4, 1)).toThrow(DimensionError);
  });

  it('rejects bits set beyond size*size, which would push IoU above 1', () => {
    // 5x5 = 25 pixels in one word: bits 25..31 are padding.
    expect(() => maskFromBits(Uint32Array.of(0xffffffff), 5, 1)).toThrow(InvalidArgumentError);
    expect(() => maskFromBits(Uint32Array.of(0xffffffff), 5, 1)).toThrow(/bits beyond size\*size = 25/);
    expect(maskFromBits(Uint32Array.of(0x1ffffff), 5, 1).area).toBe(25);
    expect(maskFromBits(Uint32Array.of(0xffffffff, 0xffffffff), 8, 1).area).toBe(64);
  });

  it('rejects scores and thresholds that are not numbers, which would break pruning order', () => {
    for (const score of [NaN, '0.9' as unknown as number]) {
      expect(() => maskFromBits(new Uint32Array(1), 4, score)).toThrow(InvalidArgumentError);
      expect(() => maskFromDense(new Float32Array(16), 4, score)).toThrow(/score must be a number/);
      expect(() => resampleToMask([1, 2, 3, 4], 2, 2, 4, score)).toThrow(InvalidArgumentError);
    }
    expect(() => maskFromDense(new Float32Array(16).fill(1), 4, 1, NaN)).toThrow(InvalidArgumentError);
    expect(() => maskFromDense(new Float32Array(16).fill(1), 4, 1, NaN)).toThrow(/threshold must be a number, got NaN/);
  });
});

describe('resampleToMask', () => {
  it('upsamples a left/right step at pixel centres', () => {
    const m = resampleToMask([-1, 1, -1, 1], 2, 2, 4, 0.5);
    // sample x = -0.25, 0.25, 0.75, 1.25 -> -1, -0.5, 0.5, 1 (edges clamped)
    expect(Array.from(maskToDense(m))).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1]);
    expect(m.bbox).toEqual([2, 0, 4, 4]);
    expect(m.score).toBe(0.5);
  });

  it('is the identity at the same size', () => {
    fc.assert(
      fc.property(denseMaskArb(13), (dense) => {
        const logits = Array.from(dense, (v) => (v ? 2 : -2));
        expect(resampleToMask(logits, 13, 13, 13, 1)).toEqual(maskFromDense(dense, 13, 1));
      }),
    );
  });

  it('matches a reference bilinear sampler for any input and output size', () => {
    const arb = fc
      .record({ w: fc.integer({ min: 1, max: 40 }), h: fc.integer({ min: 1, max: 40 }), size: fc.integer({ min: 1, max: 70 }) })
      .chain((s) => fc.tuple(fc.constant(s), fc.array(fc.integer({ min: -8, max: 8 }), { minLength: s.w * s.h, maxLength: s.w * s.h })));
    fc.assert(
      fc.property(arb, ([{ w, h, size }, ints]) => {
        const ref = refResample(ints, w, h, size);
        const got = maskToDense(resampleToMask(ints, w, h, size, 1));
        // Samples within rounding of the threshold may fall either way; every other one must agree.
        ref.forEach((v, i) => {
          if (Math.abs(v) > 1e-9) expect(got[i], `pixel ${i}`).toBe(v > 0 ? 1 : 0);
        });
      }),
    );
  });
});
