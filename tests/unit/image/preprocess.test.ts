import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.ts';
import type { RGBAImage } from '../../../src/image/decode.ts';
import { preprocessForEncoder, preprocessForSegmenter } from '../../../src/image/preprocess.ts';
import type { EncoderPreprocess, ResampleMode, SegmenterPreprocess } from '../../../src/models/manifest.ts';
import { CLIP_MEAN, CLIP_STD, SAM_MEAN, SAM_STD } from '../../../tools/fixtures/preprocessor-config.ts';
import { maxAbsDiff } from '../reference.ts';

const clip = (resample: ResampleMode, mode: 'crop' | 'pad' = 'crop'): EncoderPreprocess => ({
  shortestEdge: 8,
  cropSize: [8, 8],
  mode,
  rescaleFactor: 1 / 255,
  mean: CLIP_MEAN,
  std: CLIP_STD,
  resample,
});
const sam: SegmenterPreprocess = { longestEdge: 16, padSize: 16, rescaleFactor: 1 / 255, mean: SAM_MEAN, std: SAM_STD };

/** An image whose pixel (x, y) has R = x, G = y, B = 100. */
function coords(width: number, height: number): RGBAImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([x, y, 100, 255], (y * width + x) * 4);
  return { width, height, data };
}

/** Channel c of CHW pixel values at (x, y), un-normalised back to 0..255. */
function level(data: Float32Array, w: number, h: number, c: number, x: number, y: number, mean = CLIP_MEAN, std = CLIP_STD): number {
  return (data[c * w * h + y * w + x]! * std[c]! + mean[c]!) * 255;
}

describe('preprocessForEncoder', () => {
  it('only normalises (CHW) an image already at the crop size, in both modes', () => {
    const img = coords(8, 8);
    for (const mode of ['canvas', 'pillow'] as const) {
      const { data, dims } = preprocessForEncoder(img, clip(mode));
      expect(dims).toEqual([1, 3, 8, 8]);
      const expected: number[] = [];
      for (let c = 0; c < 3; c++) for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) expected.push(([x, y, 100][c]! / 255 - CLIP_MEAN[c]!) / CLIP_STD[c]!);
      expect(maxAbsDiff(data, expected)).toBeLessThan(1e-6);
    }
  });

  it('center-crops along the long side (offset (16 - 8) / 2 = 4), keeping the short side whole', () => {
    for (const mode of ['canvas', 'pillow'] as const) {
      const { data, placement } = preprocessForEncoder(coords(16, 8), clip(mode));
      expect(placement).toEqual({ scaleX: 1, scaleY: 1, left: 4, top: 0 });
      for (const x of [0, 7]) expect(level(data, 8, 8, 0, x, 3)).toBeCloseTo(x + 4, 3);
    }
  });

  it('crops at a half-pixel offset in canvas mode (as transformers.js) and a floored one in pillow mode', () => {
    const img = coords(17, 8); // no resize (short side 8), crop offset 4.5
    const canvas = preprocessForEncoder(img, clip('canvas'));
    const pillow = preprocessForEncoder(img, clip('pillow'));
    expect(level(canvas.data, 8, 8, 0, 0, 0)).toBeCloseTo(4, 3); // floor((4 + 5) / 2)
    expect(level(pillow.data, 8, 8, 0, 0, 0)).toBeCloseTo(4, 3);
    expect(level(canvas.data, 8, 8, 0, 7, 0)).toBeCloseTo(11, 3); // floor((11 + 12) / 2)
    expect(level(pillow.data, 8, 8, 0, 7, 0)).toBeCloseTo(11, 3);
    expect(canvas.placement.left).toBe(4.5);
    expect(pillow.placement.left).toBe(4);
  });

  it('keeps a uniform image uniform through any resize and crop', () => {
    const arb = fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.constantFrom<ResampleMode>('canvas', 'pillow'));
    fc.assert(
      fc.property(arb, ([w, h, mode]) => {
        const img = { width: w, height: h, data: new Uint8ClampedArray(w * h * 4).fill(200) };
        const { data } = preprocessForEncoder(img, clip(mode));
        for (let c = 0; c < 3; c++) {
          const v = (200 / 255 - CLIP_MEAN[c]!) / CLIP_STD[c]!;
          expect(maxAbsDiff(data.subarray(c * 64, (c + 1) * 64), new Array(64).fill(v))).toBeLessThan(1e-4);
        }
      }),
    );
  });

  it("'pad' mode fits the image and centres it on the mean colour (normalised 0)", () => {
    const img = { width: 16, height: 8, data: new Uint8ClampedArray(16 * 8 * 4).fill(255) };
    const { data, placement } = preprocessForEncoder(img, clip('canvas', 'pad'));
    expect(placement).toEqual({ scaleX: 0.5, scaleY: 0.5, left: 0, top: -2 });
    for (let y = 0; y < 8; y++) {
      const inside = y >= 2 && y < 6;
      expect(data[y * 8 + 3]).toBeCloseTo(inside ? (1 - CLIP_MEAN[0]) / CLIP_STD[0] : 0, 5);
    }
  });

  it('rejects malformed images and options with InvalidArgumentError', () => {
    const img = coords(8, 8);
    expect(() => preprocessForEncoder({ ...img, width: 9 }, clip('canvas'))).toThrow(InvalidArgumentError);
    expect(() => preprocessForEncoder(img, { ...clip('canvas'), resample: 'lanczos' as ResampleMode })).toThrow(InvalidArgumentError);
    expect(() => preprocessForEncoder(img, { ...clip('canvas'), mode: 'stretch' as 'crop' })).toThrow(InvalidArgumentError);
    expect(() => preprocessForEncoder(img, { ...clip('canvas'), cropSize: [0, 8] })).toThrow(InvalidArgumentError);
  });
});

describe('preprocessForSegmenter', () => {
  it('resizes the longest edge, normalises, and zero-pads bottom/right after normalising', () => {
    const img = { width: 8, height: 4, data: new Uint8ClampedArray(8 * 4 * 4).fill(255) };
    for (const resample of ['canvas', 'pillow'] as const) {
      const { data, dims, resized } = preprocessForSegmenter(img, { ...sam, resample });
      expect(dims).toEqual([1, 3, 16, 16]);
      expect(resized).toEqual([8, 16]);
      for (let c = 0; c < 3; c++) {
        const inside = (1 - sam.mean[c]!) / sam.std[c]!;
        expect(data[c * 256 + 7 * 16 + 15]).toBeCloseTo(inside, 5);
        expect(data[c * 256 + 8 * 16]).toBe(0);
        expect(data[c * 256 + 15 * 16 + 15]).toBe(0);
      }
    }
  });

  it('rejects a pad size smaller than the longest edge', () => {
    expect(() => preprocessForSegmenter(coords(4, 4), { ...sam, padSize: 8 })).toThrow(InvalidArgumentError);
  });
});
