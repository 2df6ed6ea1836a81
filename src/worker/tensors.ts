/**
 * Tensors typed from each session's own metadata: dtypes are a property of the files (a float16
 * export takes float16 inputs_embeds and KV cache, a q4 one behind float32 I/O does not), so they
 * are read from inputMetadata / outputMetadata and never assumed.
 */
import { SessionError } from '../errors.ts';
import { cpuTensor, type ort } from './backend.ts';
import { fromFloat16, toFloat16 } from './float16.ts';

/** The element type a session declares for input `name` ('float32' when it declares none). */
export function inputType(session: ort.InferenceSession, name: string): ort.Tensor.Type {
  const meta = session.inputMetadata.find((m) => m.name === name);
  return meta?.isTensor ? meta.type : 'float32';
}

/** A float input as the session declares it: float16 data for a float16 input, else float32 as is. */
export function floatInput(session: ort.InferenceSession, name: string, values: Float32Array, dims: readonly number[]): ort.Tensor {
  const type = inputType(session, name);
  if (type === 'float16') return cpuTensor('float16', toFloat16(values) as Uint16Array, dims);
  if (type !== 'float32') throw new SessionError(`input ${name} is ${type}, not a float tensor; this model's I/O is not supported`, { input: name, type });
  return cpuTensor('float32', values, dims);
}

/** A float output's values as float32 (float16 outputs are widened). Disposes the tensor. */
export async function readFloats(tensor: ort.Tensor): Promise<Float32Array> {
  const data = await tensor.getData();
  tensor.dispose();
  if (tensor.type === 'float16') return fromFloat16(data as Uint16Array);
  if (tensor.type !== 'float32') throw new SessionError(`expected a float output, got ${tensor.type}`, { type: tensor.type });
  return data as Float32Array;
}

/** An empty tensor (one dim of 0) for input `name`, in the type the session declares (the first KV cache). */
export function emptyInput(session: ort.InferenceSession, name: string, dims: readonly number[]): ort.Tensor {
  const type = inputType(session, name);
  if (type === 'float16') return cpuTensor('float16', new Uint16Array(0), dims);
  return cpuTensor('float32', new Float32Array(0), dims);
}
