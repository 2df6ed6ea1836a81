/**
 * Helpers for rewriting serialised ONNX models (the graph transforms in float16.ts, quantize.ts and
 * external-data.ts): decode/encode, typed views of initializers, and float32 <-> float16 bits.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** A decoded model. */
export type Model = onnxProto.onnx.ModelProto;
/** A decoded tensor (initializer). */
export type Tensor = onnxProto.onnx.ITensorProto;
/** A decoded node. */
export type Node = onnxProto.onnx.INodeProto;

/** ONNX element type codes used by the transforms. */
export const ElemType = {
  float32: onnx.TensorProto.DataType.FLOAT,
  uint8: onnx.TensorProto.DataType.UINT8,
  int8: onnx.TensorProto.DataType.INT8,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
  float16: onnx.TensorProto.DataType.FLOAT16,
} as const;

/** Decodes model bytes. */
export function decodeModel(bytes: Uint8Array): Model {
  return onnx.ModelProto.decode(bytes);
}

/** Encodes a model. */
export function encodeModel(model: Model): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** int64 fields decode as Long objects: a plain number. */
export function toNumber(v: unknown): number {
  return typeof v === 'number' ? v : Number(String(v));
}

/** A tensor's dims as numbers. */
export function dimsOf(t: Tensor): number[] {
  return (t.dims ?? []).map(toNumber);
}

/** A copy of a tensor's raw bytes (aligned, detached from the decoder's buffer). */
export function rawBytes(t: Tensor): Uint8Array {
  if (!t.rawData || t.rawData.byteLength === 0) throw new Error(`initializer ${t.name} has no raw_data`);
  return new Uint8Array(t.rawData);
}

/** A float32 initializer's values. */
export function floatData(t: Tensor): Float32Array {
  return new Float32Array(rawBytes(t).buffer);
}

/** An initializer with raw data. */
export function tensor(name: string, dataType: number, dims: number[], data: ArrayBufferView): Tensor {
  return { name, dataType, dims, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half bits of `value`, round to nearest even; values beyond the half range clamp to +-65504 (as onnxconverter-common does). */
export function toHalfBits(value: number): number {
  f32[0] = Math.max(-65504, Math.min(65504, value));
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // NaN (infinities were clamped)
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7bff;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

/** The float value of half bits. */
export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Half bits of every value. */
export function toHalfArray(values: Float32Array): Uint16Array {
  return Uint16Array.from(values, toHalfBits);
}

/** Sets (or adds) the opset version of `domain`. */
export function useOpset(model: Model, domain: string, version: number): void {
  const found = model.opsetImport.find((o) => (o.domain ?? '') === domain);
  if (!found) model.opsetImport.push({ domain, version });
}
