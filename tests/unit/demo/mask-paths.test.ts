import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskPaths } from '../../../demo/mask-paths.ts';
import { maskFromDense } from '../../../src/masks/bitmask.ts';
import { denseMaskArb } from '../reference.ts';

/** The pixels covered by a fill path's runs (each `M x y h w v 1 h -w z`), counting overlaps. */
function fillPixels(d: string, size: number): Uint8Array {
  const out = new Uint8Array(size * size);
  for (const [, x, y, w] of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-\3z/g)) {
    for (let i = 0; i < Number(w); i++) out[Number(y) * size + Number(x) + i]! += 1;
  }
  expect(d.replace(/M(\d+) (\d+)h(\d+)v1h-\3z/g, '')).toBe('');
  return out;
}

/** The unit edges drawn by an outline path's lines, as "h x y" / "v x y" keys, each once. */
function outlineEdges(d: string): string[] {
  const edges: string[] = [];
  for (const [, x, y, axis, to] of d.matchAll(/M(\d+) (\d+)([HV])(\d+)/g)) {
    const [x0, y0, end] = [Number(x), Number(y), Number(to)];
    expect(end).toBeGreaterThan(axis === 'H' ? x0 : y0);
    if (axis === 'H') for (let i = x0; i < end; i++) edges.push(`h ${i} ${y0}`);
    else for (let i = y0; i < end; i++) edges.push(`v ${x0} ${i}`);
  }
  expect(d.replace(/M(\d+) (\d+)[HV](\d+)/g, '')).toBe('');
  return edges.sort();
}

/** Brute force: an edge between every pair of side-by-side pixels (or pixel and outside) that differ. */
function boundaryEdges(dense: Uint8Array, size: number): string[] {
  const at = (x: number, y: number): number => (x >= 0 && y >= 0 && x < size && y < size ? dense[y * size + x]! : 0);
  const edges: string[] = [];
  for (let y = 0; y <= size; y++) for (let x = 0; x < size; x++) if (at(x, y) !== at(x, y - 1)) edges.push(`h ${x} ${y}`);
  for (let x = 0; x <= size; x++) for (let y = 0; y < size; y++) if (at(x, y) !== at(x - 1, y)) edges.push(`v ${x} ${y}`);
  return edges.sort();
}

describe('maskPaths', () => {
  it('fills each inside pixel exactly once, outlines exactly the inside/outside boundary, centres on the centroid', () => {
    const arb = fc.integer({ min: 1, max: 24 }).chain((size) => fc.tuple(fc.constant(size), denseMaskArb(size)));
    fc.assert(
      fc.property(arb, ([size, dense]) => {
        const paths = maskPaths(maskFromDense(dense, size, 1));
        expect(Array.from(fillPixels(paths.fill, size))).toEqual(Array.from(dense, (v) => (v ? 1 : 0)));
        expect(outlineEdges(paths.outline)).toEqual(boundaryEdges(Uint8Array.from(dense, (v) => (v ? 1 : 0)), size));
        const inside = [...dense.keys()].filter((i) => dense[i]);
        const mean = (f: (i: number) => number): number => inside.reduce((s, i) => s + f(i), 0) / inside.length;
        const centre = inside.length ? [mean((i) => (i % size) + 0.5), mean((i) => Math.floor(i / size) + 0.5)] : [size / 2, size / 2];
        expect(paths.centre[0]).toBeCloseTo(centre[0]!, 9);
        expect(paths.centre[1]).toBeCloseTo(centre[1]!, 9);
      }),
    );
  });

  it('merges runs: a filled square is one rectangle per row and four lines', () => {
    const dense = new Uint8Array(8 * 8);
    for (let y = 2; y < 5; y++) for (let x = 1; x < 4; x++) dense[y * 8 + x] = 1;
    const paths = maskPaths(maskFromDense(dense, 8, 1));
    expect(paths.fill).toBe('M1 2h3v1h-3zM1 3h3v1h-3zM1 4h3v1h-3z');
    expect(paths.outline).toBe('M1 2H4M1 5H4M1 2V5M4 2V5');
    expect(paths.centre).toEqual([2.5, 3.5]);
  });
});
