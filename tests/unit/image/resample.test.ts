import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RGBAImage } from '../../../src/image/decode.ts';
import { type ResampleFilter, canvasResampleRGB, resampleRGB } from '../../../src/image/resample.ts';
import { maxAbsDiff } from '../reference.ts';

function kernel(filter: ResampleFilter, x: number): number {
  x = Math.abs(x);
  if (filter === 'bilinear') return Math.max(0, 1 - x);
  if (x < 1) return 1.5 * x ** 3 - 2.5 * x ** 2 + 1;
  if (x < 2) return -0.5 * x ** 3 + 2.5 * x ** 2 - 4 * x + 2;
  return 0;
}

/** Pillow's weights for one output index, computed directly (no tap tables). */
function weights1D(inSize: number, outSize: number, o: number, filter: ResampleFilter, antialias: boolean): Map<number, number> {
  const scale = inSize / outSize;
  const widen = antialias ? Math.max(1, scale) : 1;
  const centre = (o + 0.5) * scale;
  const support = (filter === 'bilinear' ? 1 : 2) * widen;
  const w = new Map<number, number>();
  let total = 0;
  for (let s = Math.max(0, Math.trunc(centre - support + 0.5)); s < Math.min(inSize, Math.trunc(centre + support + 0.5)); s++) {
    const k = kernel(filter, (s + 0.5 - centre) / widen);
    w.set(s, k);
    total += k;
  }
  for (const [s, k] of w) w.set(s, k / total);
  return w;
}

/** 2D resampling by a direct double sum over the outer product of the 1D weights. */
function refResample(img: RGBAImage, sw: number, sh: number, left: number, top: number, cw: number, ch: number, filter: ResampleFilter, aa: boolean): number[] {
  const out: number[] = [];
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      for (let c = 0; c < 3; c++) {
        const oy = y + top;
        const ox = x + left;
        if (oy < 0 || oy >= sh || ox < 0 || ox >= sw) {
          out.push(0);
          continue;
        }
        let v = 0;
        for (const [sy, wy] of weights1D(img.height, sh, oy, filter, aa)) {
          for (const [sx, wx] of weights1D(img.width, sw, ox, filter, aa)) v += wy * wx * img.data[(sy * img.width + sx) * 4 + c]!;
        }
        out.push(v);
      }
    }
  }
  return out;
}

const imageArb = fc
  .record({ width: fc.integer({ min: 1, max: 24 }), height: fc.integer({ min: 1, max: 24 }) })
  .chain(({ width, height }) =>
    fc.uint8Array({ minLength: width * height * 4, maxLength: width * height * 4 }).map((bytes) => ({ width, height, data: new Uint8ClampedArray(bytes) })),
  );

describe('resampleRGB (Pillow-style convolution)', () => {
  it('matches a direct 2D weighted sum for any scale, window and filter', () => {
    const arb = fc.tuple(
      imageArb,
      fc.integer({ min: 1, max: 30 }),
      fc.integer({ min: 1, max: 30 }),
      fc.integer({ min: -3, max: 5 }),
      fc.integer({ min: -3, max: 5 }),
      fc.constantFrom<ResampleFilter>('bilinear', 'bicubic'),
      fc.boolean(),
    );
    fc.assert(
      fc.property(arb, ([img, sw, sh, left, top, filter, antialias]) => {
        const cw = Math.max(1, sw - 2);
        const ch = Math.max(1, sh - 1);
        const got = resampleRGB(img, { scaledW: sw, scaledH: sh, left, top, width: cw, height: ch }, { filter, antialias });
        expect(maxAbsDiff(got, refResample(img, sw, sh, left, top, cw, ch, filter, antialias))).toBeLessThan(1e-3);
      }),
      { numRuns: 150 },
    );
  });

  it('is the identity at the same size and keeps a constant image constant', () => {
    fc.assert(
      fc.property(imageArb, fc.constantFrom<ResampleFilter>('bilinear', 'bicubic'), (img, filter) => {
        const same = resampleRGB(img, { scaledW: img.width, scaledH: img.height, left: 0, top: 0, width: img.width, height: img.height }, { filter });
        const rgb = Array.from(img.data).filter((_, i) => i % 4 !== 3);
        expect(maxAbsDiff(same, rgb)).toBeLessThan(1e-3);
      }),
    );
    const flat = { width: 13, height: 7, data: new Uint8ClampedArray(13 * 7 * 4).fill(77) };
    const out = resampleRGB(flat, { scaledW: 5, scaledH: 20, left: 0, top: 0, width: 5, height: 20 });
    expect(maxAbsDiff(out, new Array(5 * 20 * 3).fill(77))).toBeLessThan(1e-3);
  });
});

describe('canvasResampleRGB (Chromium canvas drawImage)', () => {
  it('interpolates in 1/16 pixel steps and truncates, clamping at the edges', () => {
    const img = { width: 2, height: 1, data: new Uint8ClampedArray([0, 0, 0, 255, 160, 80, 7, 255]) };
    // Output centres map to x = -0.25, 0.25, 0.75, 1.25: clamp, 4/16, 12/16, clamp.
    expect(Array.from(canvasResampleRGB(img, 4, 1))).toEqual([0, 0, 0, 40, 20, 1, 120, 60, 5, 160, 80, 7]);
  });

  it('is the identity at the same size and stays within the source range', () => {
    fc.assert(
      fc.property(imageArb, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), (img, w, h) => {
        const rgb = Array.from(img.data).filter((_, i) => i % 4 !== 3);
        expect(Array.from(canvasResampleRGB(img, img.width, img.height))).toEqual(rgb);
        const out = Array.from(canvasResampleRGB(img, w, h));
        const lo = rgb.reduce((a, b) => Math.min(a, b));
        const hi = rgb.reduce((a, b) => Math.max(a, b));
        expect(out.filter((v) => !Number.isInteger(v) || v < lo || v > hi)).toEqual([]);
      }),
    );
  });
});
