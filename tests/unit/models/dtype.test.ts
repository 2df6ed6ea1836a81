import { expect, test } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.ts';
import { DTYPE_SUFFIX, defaultDtypes, externalDataPaths, onnxFilePath, resolveDtypes } from '../../../src/models/dtype.ts';

const wasm = { device: 'wasm', shaderF16: false } as const;
const gpuF16 = { device: 'webgpu', shaderF16: true } as const;
const gpuNoF16 = { device: 'webgpu', shaderF16: false } as const;

test('file names use transformers.js suffixes', () => {
  expect(DTYPE_SUFFIX).toEqual({ fp32: '', fp16: '_fp16', q8: '_quantized', int8: '_int8', uint8: '_uint8', q4: '_q4', q4f16: '_q4f16' });
  expect(onnxFilePath('decoder_model_merged', 'q4f16')).toBe('onnx/decoder_model_merged_q4f16.onnx');
  expect(onnxFilePath('vision_encoder', 'q8')).toBe('onnx/vision_encoder_quantized.onnx');
  expect(onnxFilePath('embed_tokens', 'fp32')).toBe('onnx/embed_tokens.onnx');
  expect(externalDataPaths('onnx/model_q4.onnx', 3)).toEqual(['onnx/model_q4.onnx_data', 'onnx/model_q4.onnx_data_1', 'onnx/model_q4.onnx_data_2']);
});

test('defaults per device: f16 kernels only with shader-f16, never q8 matmuls on WebGPU', () => {
  expect(defaultDtypes(gpuF16)).toEqual({ encoder: 'fp16', embedTokens: 'q8', decoder: 'q4f16', segmenter: 'fp32' });
  expect(defaultDtypes(gpuNoF16)).toEqual({ encoder: 'q4', embedTokens: 'q8', decoder: 'q4', segmenter: 'fp32' });
  expect(defaultDtypes(wasm)).toEqual({ encoder: 'q8', embedTokens: 'q8', decoder: 'q4', segmenter: 'q8' });
  for (const caps of [gpuF16, gpuNoF16]) {
    const d = defaultDtypes(caps);
    expect([d.encoder, d.decoder]).not.toContain('q8');
  }
});

test('one dtype for all, or per component over the defaults', () => {
  expect(resolveDtypes('fp32', gpuF16)).toEqual({ encoder: 'fp32', embedTokens: 'fp32', decoder: 'fp32', segmenter: 'fp32' });
  expect(resolveDtypes({ decoder: 'q8' }, wasm)).toEqual({ ...defaultDtypes(wasm), decoder: 'q8' });
  expect(resolveDtypes(undefined, wasm)).toEqual(defaultDtypes(wasm));
});

test('bad dtypes and components are typed errors that name them', () => {
  expect(() => resolveDtypes('q3' as never, wasm)).toThrow(InvalidArgumentError);
  expect(() => resolveDtypes({ projector: 'q4' } as never, wasm)).toThrow(/dtype\.projector is not a component/);
  expect(() => resolveDtypes({ decoder: 'bnb4' } as never, wasm)).toThrow(/dtype\.decoder must be one of/);
});

test('fp16 and q4f16 are refused on a WebGPU adapter without shader-f16', () => {
  expect(() => resolveDtypes({ encoder: 'fp16' }, gpuNoF16)).toThrow(/shader-f16/);
  expect(() => resolveDtypes('q4f16', gpuNoF16)).toThrow(InvalidArgumentError);
  expect(resolveDtypes('q4f16', gpuF16).decoder).toBe('q4f16');
  expect(resolveDtypes('fp16', wasm).encoder).toBe('fp16');
});
