/**
 * Weight dtypes of published ONNX repos: transformers.js's file suffixes (`onnx/{name}{suffix}.onnx`)
 * and the SDK's per-device defaults for each component of a VLM + segmenter pair.
 */
import { InvalidArgumentError } from '../errors.ts';

/** A weight format, named as transformers.js names it. */
export type Dtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q4f16';

/** File-name suffix of each dtype (transformers.js DEFAULT_DTYPE_SUFFIX_MAPPING). */
export const DTYPE_SUFFIX: Readonly<Record<Dtype, string>> = Object.freeze({
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
});

/** The components whose dtype can be chosen: the VLM's three files and the segmenter's pair. */
export type HubComponent = 'encoder' | 'embedTokens' | 'decoder' | 'segmenter';

/** One dtype for every component, or per component (the rest keep their defaults). */
export type DtypeOption = Dtype | Partial<Record<HubComponent, Dtype>>;

/** The dtype chosen for each component. */
export type ComponentDtypes = Record<HubComponent, Dtype>;

/** What the device offers that decides the defaults. */
export interface DeviceCaps {
  device: 'webgpu' | 'wasm';
  /** Whether the WebGPU adapter has the 'shader-f16' feature (false on WASM). */
  shaderF16: boolean;
}

const COMPONENTS: readonly HubComponent[] = ['encoder', 'embedTokens', 'decoder', 'segmenter'];

/**
 * Defaults per device. q8 files quantize activations at run time (DynamicQuantizeLinear +
 * MatMulInteger), which transformers.js users report as garbage on WebGPU (#1317, #1286), so
 * WebGPU never defaults to q8 for a matmul-heavy graph; q4 (MatMulNBits, weight-only) keeps
 * float activations. embed_tokens is a Gather over a table (published in fp32/fp16/q8 only):
 * q8 there only dequantizes weights, so it is safe everywhere and half the size of fp16.
 * fp16 needs shader-f16. The segmenter (SlimSAM: 40 MB in fp32) stays fp32 on WebGPU, where
 * size hardly matters and fp32 kernels run everywhere. WASM takes q4 for the decoder
 * (MatMulNBits is fast on CPU, and wasm32's 4 GB heap must hold every session) and
 * transformers.js's WASM default, q8, for the rest.
 */
export function defaultDtypes(caps: DeviceCaps): ComponentDtypes {
  if (caps.device === 'webgpu') {
    return caps.shaderF16
      ? { encoder: 'fp16', embedTokens: 'q8', decoder: 'q4f16', segmenter: 'fp32' }
      : { encoder: 'q4', embedTokens: 'q8', decoder: 'q4', segmenter: 'fp32' };
  }
  return { encoder: 'q8', embedTokens: 'q8', decoder: 'q4', segmenter: 'q8' };
}

/** Throws InvalidArgumentError unless `value` is a known dtype. */
function checkDtype(value: unknown, where: string): Dtype {
  if (typeof value !== 'string' || !Object.hasOwn(DTYPE_SUFFIX, value)) {
    throw new InvalidArgumentError(`${where} must be one of ${Object.keys(DTYPE_SUFFIX).join(', ')}, got ${JSON.stringify(value)}`, { dtype: value });
  }
  return value as Dtype;
}

/**
 * The dtype of every component: the caller's choice where given, else the device default.
 * fp16 and q4f16 on a WebGPU adapter without shader-f16 are refused (the kernels cannot run).
 */
export function resolveDtypes(option: DtypeOption | undefined, caps: DeviceCaps): ComponentDtypes {
  const chosen = defaultDtypes(caps);
  if (typeof option === 'string') {
    const d = checkDtype(option, 'dtype');
    for (const c of COMPONENTS) chosen[c] = d;
  } else if (option !== undefined) {
    if (typeof option !== 'object' || option === null) throw new InvalidArgumentError(`dtype must be a dtype name or an object per component, got ${JSON.stringify(option)}`);
    for (const [key, value] of Object.entries(option)) {
      if (!(COMPONENTS as readonly string[]).includes(key)) {
        throw new InvalidArgumentError(`dtype.${key} is not a component; use ${COMPONENTS.join(', ')}`, { component: key });
      }
      if (value !== undefined) chosen[key as HubComponent] = checkDtype(value, `dtype.${key}`);
    }
  }
  if (caps.device === 'webgpu' && !caps.shaderF16) {
    for (const c of COMPONENTS) {
      if (chosen[c] === 'fp16' || chosen[c] === 'q4f16') {
        throw new InvalidArgumentError(
          `dtype ${chosen[c]} for ${c} needs WebGPU's shader-f16 feature, which this adapter lacks; pick fp32, q4 or q8, or run on WASM`,
          { component: c, dtype: chosen[c] },
        );
      }
    }
  }
  return chosen;
}

/** `onnx/{name}{suffix}.onnx`: where a repo keeps one component file in one dtype. */
export function onnxFilePath(name: string, dtype: Dtype): string {
  return `onnx/${name}${DTYPE_SUFFIX[dtype]}.onnx`;
}

/**
 * External data files of an ONNX file, named as transformers.js names them:
 * `{file}_data`, `{file}_data_1`, ... (`chunks` of them).
 */
export function externalDataPaths(onnxPath: string, chunks: number): string[] {
  return Array.from({ length: chunks }, (_, i) => `${onnxPath}_data${i === 0 ? '' : `_${i}`}`);
}
