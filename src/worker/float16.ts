/**
 * IEEE 754 half precision for float16 tensors: ONNX Runtime Web takes a Float16Array where the
 * JS engine has one and the raw half bits in a Uint16Array where it does not, so both directions
 * are written out here (round to nearest even, as Float16Array.from does).
 */

/** The array type ORT uses for float16 tensor data in this engine. */
export type Float16Data = Uint16Array | (ArrayLike<number> & { readonly buffer: ArrayBufferLike; readonly length: number });

interface Float16ArrayCtor {
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): ArrayLike<number> & { buffer: ArrayBufferLike; length: number };
  from(values: ArrayLike<number>): ArrayLike<number> & { buffer: ArrayBufferLike; length: number };
}

/** The engine's Float16Array, if it has one (Chromium >= 135; not node 20). */
export const NativeFloat16Array = (globalThis as { Float16Array?: Float16ArrayCtor }).Float16Array;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The half-precision bits of `value`, rounded to nearest even; overflow gives ±Infinity. */
export function halfBits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half: the value is (1.mant) * 2^(e - 15), i.e. full >> (14 - e) units of 2^-24.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to Infinity).
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** The value of half bits `h`. */
export function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

let table: Float32Array | undefined;

/** float32 value of every half bit pattern (256 KiB, built on first use). */
function halfTable(): Float32Array {
  if (table) return table;
  table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) table[h] = halfValue(h);
  return table;
}

/** float32 values as float16 tensor data: a Float16Array where available, else half bits. */
export function toFloat16(values: Float32Array): Float16Data {
  if (NativeFloat16Array) return NativeFloat16Array.from(values);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = halfBits(values[i]!);
  return out;
}

/** float16 tensor data (a Float16Array, or half bits in a Uint16Array) as float32 values. */
export function fromFloat16(data: Float16Data): Float32Array {
  if (!(data instanceof Uint16Array)) return Float32Array.from(data);
  const t = halfTable();
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = t[data[i]!]!;
  return out;
}
