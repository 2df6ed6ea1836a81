import { describe, expect, it } from 'vitest';
import { maskFromDense } from '../../../src/masks/bitmask.ts';
import { meanBestIoU } from '../../../src/eval/mask-quality.ts';

function rect(size: number, x0: number, y0: number, x1: number, y1: number, score = 1) {
  const d = new Uint8Array(size * size);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) d[y * size + x] = 1;
  return maskFromDense(d, size, score);
}

describe('meanBestIoU', () => {
  it('takes, per ground-truth object, the best IoU over all proposals, then the mean', () => {
    const truth = [rect(16, 0, 0, 4, 4), rect(16, 8, 8, 16, 16)];
    const proposals = [rect(16, 0, 0, 4, 2), rect(16, 0, 0, 4, 4), rect(16, 8, 8, 16, 12)];
    const r = meanBestIoU(truth, proposals);
    expect(r.perObject).toEqual([1, 0.5]);
    expect(r.mean).toBe(0.75);
  });

  it('scores 0 for objects no proposal touches', () => {
    expect(meanBestIoU([rect(8, 0, 0, 2, 2)], []).perObject).toEqual([0]);
  });
});
