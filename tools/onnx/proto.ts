/**
 * Helpers for rewriting serialised ONNX models (the graph transforms in float16.ts, quantize.ts and
 * external-data.ts): decode/encode, typed views of initializers, and float32 <-> float16 bits.
 */
import onnxProto from 'onnx-proto';
import { halfBits, halfValue } from '../../src/worker/float16.ts';

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

/** IEEE half bits of `value`, round to nearest even; values beyond the half range clamp to +-65504 (as onnxconverter-common does). */
export function toHalfBits(value: number): number {
  return halfBits(Math.max(-65504, Math.min(65504, value)));
}

/** The float value of half bits. */
export const fromHalfBits = halfValue;

/** Half bits of every value. */
export function toHalfArray(values: Float32Array): Uint16Array {
  return Uint16Array.from(values, toHalfBits);
}

/** Sets (or adds) the opset version of `domain`. */
export function useOpset(model: Model, domain: string, version: number): void {
  const found = model.opsetImport.find((o) => (o.domain ?? '') === domain);
  if (!found) model.opsetImport.push({ domain, version });
}
