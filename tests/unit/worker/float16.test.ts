import { expect, test } from 'vitest';
import { fromFloat16, halfBits, toFloat16 } from '../../../src/worker/float16.ts';

test('halfBits: exact values, limits, subnormals, round to nearest even', () => {
  const cases: Array<[number, number]> = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff], // largest half
    [65520, 0x7c00], // rounds up to Infinity
    [1e6, 0x7c00],
    [-Infinity, 0xfc00],
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // tie between 0 and 2^-24: to even (0)
    [3 * 2 ** -25, 0x0002], // tie between 1 and 2 units: to even (2)
    [1 + 2 ** -11, 0x3c00], // tie: to even mantissa 0
    [1 + 3 * 2 ** -11, 0x3c02], // tie: to even mantissa 2
    [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just above the tie
    [0.1, 0x2e66],
  ];
  for (const [v, bits] of cases) expect(halfBits(v), String(v)).toBe(bits);
  expect(halfBits(NaN) & 0x7c00).toBe(0x7c00);
  expect(halfBits(NaN) & 0x3ff).not.toBe(0);
});

test('toFloat16 / fromFloat16 round-trip every half value exactly (Uint16Array path in node)', () => {
  const all = Uint16Array.from({ length: 65536 }, (_, i) => i).filter((h) => ((h >>> 10) & 0x1f) !== 31);
  const values = fromFloat16(all);
  expect(values[all.indexOf(0x3c00)]).toBe(1);
  expect(values[all.indexOf(0x0001)]).toBe(2 ** -24);
  const back = toFloat16(values);
  expect(back).toBeInstanceOf(Uint16Array);
  expect(Array.from(back as Uint16Array)).toEqual(Array.from(all));
});
