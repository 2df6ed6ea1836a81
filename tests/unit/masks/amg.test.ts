/**
 * AMG geometry (src/masks/amg.ts): parity with the Python reference through
 * tests/fixtures/amg-vectors.json (written by `python3 -m training.amg --vectors`), and the frame
 * mapping and box fit that only the runtime has, against hand-built planes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type AmgSettings,
  type Box,
  type SegmenterFrame,
  bestBoxFit,
  boxInEncoderFrame,
  boxIoU,
  passesThresholds,
  planeToEncoderFrame,
  pointGrid,
  selectProposals,
  stabilityScore,
  validPlane,
} from '../../../src/masks/amg.ts';
import { type BitMask, maskFromDense, maskToDense } from '../../../src/masks/bitmask.ts';

interface Vectors {
  grids: Array<{ n: number; size: number; points: Array<[number, number]> }>;
  cases: Array<{ side: number; amg: AmgSettings; scores: number[]; logits: number[][]; stability: number[]; kept: number[] }>;
}
const vectors = JSON.parse(readFileSync(new URL('../../fixtures/amg-vectors.json', import.meta.url), 'utf8')) as Vectors;

/** The frame in which the encoder, the segmenter and the image coincide: a square of `side` pixels. */
const identityFrame = (side: number): SegmenterFrame => ({ width: side, height: side, resized: [side, side], encoderRect: [0, 0, side, side] });

describe('AMG geometry vs training/amg.py', () => {
  it('has cases whose outcome depends on every filter', () => {
    const kept = vectors.cases.map((c) => c.kept.length);
    expect(kept.some((k) => k >= 2)).toBe(true);
    expect(vectors.cases.some((c) => c.scores.some((s) => s === c.amg.predIouThreshold))).toBe(true);
  });

  it('places the same point grid', () => {
    for (const g of vectors.grids) {
      const points = pointGrid(g.n, [g.size, g.size]);
      expect(points.length).toBe(g.points.length);
      points.forEach(([x, y], i) => {
        expect(x).toBeCloseTo(g.points[i]![0], 4);
        expect(y).toBeCloseTo(g.points[i]![1], 4);
      });
    }
  });

  it('computes the same stability scores and keeps the same proposals in the same order', () => {
    for (const c of vectors.cases) {
      const frame = identityFrame(c.side);
      const candidates: BitMask[] = [];
      const ids: number[] = [];
      for (const [k, row] of c.logits.entries()) {
        const values = Float32Array.from(row);
        const stability = stabilityScore(values, c.side, c.side, c.side, c.amg.stabilityOffset);
        expect(stability).toBeCloseTo(c.stability[k]!, 5);
        const score = Math.fround(c.scores[k]!);
        if (!passesThresholds(score, stability, c.amg)) continue;
        const mask = planeToEncoderFrame(values, c.side, c.side, frame, c.side, score, null);
        // At the identity frame the mapping is exact: inside iff logit > 0, as in Python.
        expect(Array.from(maskToDense(mask))).toEqual(Array.from(values, (v) => (v > 0 ? 1 : 0)));
        candidates.push(mask);
        ids.push(k);
      }
      const { masks } = selectProposals(candidates, c.amg);
      expect(masks.map((m) => ids[candidates.indexOf(m)])).toEqual(c.kept);
    }
  });
});

describe('validPlane', () => {
  it('covers the resized image of a padded frame, rounding up, within the plane', () => {
    expect(validPlane(256, 1024, [1024, 768])).toEqual([256, 192]);
    expect(validPlane(256, 1024, [1024, 770])).toEqual([256, 193]);
    expect(validPlane(64, 64, [64, 64])).toEqual([64, 64]);
  });
});

describe('stabilityScore', () => {
  it('ignores padding outside the valid rows and columns, and is 0 for an all-background plane', () => {
    const side = 4;
    const values = new Float32Array(side * side).fill(-5);
    values[0] = 5; // inside the valid 2x2
    values[3] = 5; // padding column
    expect(stabilityScore(values, side, 2, 2, 1)).toBe(1);
    values[1] = 0.5; // above -offset but not above offset
    expect(stabilityScore(values, side, 2, 2, 1)).toBe(0.5);
    expect(stabilityScore(new Float32Array(16).fill(-5), side, 4, 4, 1)).toBe(0);
  });
});

describe('planeToEncoderFrame', () => {
  it('maps a wide image letterboxed in the segmenter to its centre-cropped encoder frame', () => {
    // A 200x100 image: the segmenter resizes it to 64x32 in a 64 square (plane 64, padding below);
    // the encoder sees the centre 100x100 crop, [50, 0, 150, 100].
    const frame: SegmenterFrame = { width: 200, height: 100, resized: [32, 64], encoderRect: [50, 0, 150, 100] };
    const side = 64;
    const values = new Float32Array(side * side).fill(-1);
    // Everything left of the image's centre line (x < 100 px = plane column 32) inside, and the
    // padding rows (>= 32) inside too: padding must not leak into the mask.
    for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) if (x < 32 || y >= 32) values[y * side + x] = 1;
    const mask = planeToEncoderFrame(values, side, 64, frame, 16, 0.9, null);
    const dense = maskToDense(mask);
    for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) expect(dense[y * 16 + x]).toBe(x < 8 ? 1 : 0);
    expect(mask.score).toBe(0.9);
  });

  it('clips to a box given in original pixels', () => {
    const side = 32;
    const frame = identityFrame(side);
    const mask = planeToEncoderFrame(new Float32Array(side * side).fill(3), side, side, frame, side, 1, [8, 4, 16, 12]);
    expect(mask.bbox).toEqual([8, 4, 16, 12]);
    expect(mask.area).toBe(64);
  });
});

describe('boxes', () => {
  it('boxIoU is symmetric, 1 on itself and 0 apart', () => {
    const a: Box = [0, 0, 10, 10];
    const b: Box = [5, 0, 15, 10];
    expect(boxIoU(a, a)).toBe(1);
    expect(boxIoU(a, b)).toBeCloseTo(50 / 150, 12);
    expect(boxIoU(b, a)).toBe(boxIoU(a, b));
    expect(boxIoU(a, [20, 20, 30, 30])).toBe(0);
  });

  it('boxInEncoderFrame scales original pixels into the encoder frame at mask resolution', () => {
    const frame: SegmenterFrame = { width: 200, height: 100, resized: [32, 64], encoderRect: [50, 0, 150, 100] };
    expect(boxInEncoderFrame([50, 0, 100, 50], frame, 64)).toEqual([0, 0, 32, 32]);
  });

  it('bestBoxFit takes the candidate whose bounding box fits the target best, the first on ties', () => {
    const dense = (x0: number, y0: number, x1: number, y1: number) => {
      const d = new Uint8Array(16 * 16);
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) d[y * 16 + x] = 1;
      return maskFromDense(d, 16, 0.5);
    };
    const whole = dense(0, 0, 16, 16);
    const part = dense(2, 2, 8, 8);
    const same = dense(2, 2, 8, 8);
    expect(bestBoxFit([whole, part, same], [2, 2, 8, 8])).toBe(part);
    expect(bestBoxFit([whole, part], [0, 0, 15, 15])).toBe(whole);
  });
});

describe('selectProposals', () => {
  it('drops empty and small masks and counts what passed the area filter', () => {
    const make = (n: number, score: number) => {
      const d = new Uint8Array(100);
      d.fill(1, 0, n);
      return maskFromDense(d, 10, score);
    };
    const { masks, filtered } = selectProposals([make(0, 0.9), make(1, 0.8), make(30, 0.7)], { minAreaFraction: 0.05, nmsThreshold: 0.5 });
    expect(filtered).toBe(1);
    expect(masks.map((m) => m.area)).toEqual([30]);
  });
});
