import { expect, test } from 'vitest';
import { ManifestError } from '../../../src/errors.ts';
import { type VlmRepoJson, deriveHubManifest } from '../../../src/models/derive.ts';
import { externalDataChunks, planHubFiles } from '../../../src/models/hub-files.ts';
import { encoderPreprocess, segmenterPreprocess } from '../../../src/models/hub-preprocess.ts';
import { defaultDtypes } from '../../../src/models/dtype.ts';
import { approximateReason } from '../../../src/models/approximate.ts';
import {
  nanoLlavaConfig,
  nanoLlavaGeneration,
  nanoLlavaPreprocessor,
  nanoLlavaTokenizer,
  slimSamConfig,
  slimSamPreprocessor,
} from '../../fixtures/hub-json.ts';

const VLM = 'onnx-community/nanoLLaVA-1.5';
const SAM = 'Xenova/slimsam-77-uniform';
const vlm: VlmRepoJson = { id: VLM, config: nanoLlavaConfig, preprocessor: nanoLlavaPreprocessor, generation: nanoLlavaGeneration, tokenizer: nanoLlavaTokenizer };
const seg = { id: SAM, config: slimSamConfig, preprocessor: slimSamPreprocessor };

function derive(dtypes = defaultDtypes({ device: 'wasm', shaderF16: false }), v = vlm) {
  const plan = planHubFiles(v, seg, dtypes);
  const files = Object.fromEntries(plan.files.map((f, i) => [f.key, { size: 100 + i }]));
  const urls = Object.fromEntries(plan.files.map((f) => [f.key, `https://mirror.test/${f.repo}/resolve/main/${f.path}`]));
  return { plan, manifest: deriveHubManifest(v, seg, plan, files, urls, { revision: 'main', dtypes }) };
}

test('the file plan names each component file in its dtype, with external data where the config says so', () => {
  const { plan } = derive({ encoder: 'fp16', embedTokens: 'q8', decoder: 'fp32', segmenter: 'q8' });
  expect(plan.encoder).toBe(`${VLM}/onnx/vision_encoder_fp16.onnx`);
  expect(plan.embedTokens).toBe(`${VLM}/onnx/embed_tokens_quantized.onnx`);
  expect(plan.decoder).toBe(`${VLM}/onnx/decoder_model_merged.onnx`);
  expect(plan.segmenterVision).toBe(`${SAM}/onnx/vision_encoder_quantized.onnx`);
  expect(plan.segmenterDecoder).toBe(`${SAM}/onnx/prompt_encoder_mask_decoder_quantized.onnx`);
  // use_external_data_format is keyed by the full file name: only the fp32 decoder has a data file.
  expect(plan.externalData).toEqual({ [plan.decoder]: [`${VLM}/onnx/decoder_model_merged.onnx_data`] });
  expect(plan.files.map((f) => f.key)).toContain(`${VLM}/onnx/decoder_model_merged.onnx_data`);
  expect(derive({ encoder: 'q4', embedTokens: 'q8', decoder: 'q4', segmenter: 'fp32' }).plan.externalData).toEqual({});
});

test('external data settings: boolean, count, per full name or per base name', () => {
  const cfg = (v: unknown) => ({ 'transformers.js_config': { use_external_data_format: v } });
  expect(externalDataChunks(cfg(true), 'model_q4.onnx', 'model')).toBe(1);
  expect(externalDataChunks(cfg(3), 'model_q4.onnx', 'model')).toBe(3);
  expect(externalDataChunks(cfg({ model: 2 }), 'model_q4.onnx', 'model')).toBe(2);
  expect(externalDataChunks(cfg({ 'model_q4.onnx': 1 }), 'model_fp16.onnx', 'model')).toBe(0);
  expect(externalDataChunks({}, 'model.onnx', 'model')).toBe(0);
});

test('the derived manifest: SigLIP resize to 384x384, 27x27 post-projector features without CLS, Qwen2 dims', () => {
  const { manifest, plan } = derive();
  expect(manifest.encoder).toEqual({
    file: plan.encoder,
    inputName: 'pixel_values',
    outputName: 'image_features',
    preprocess: { shortestEdge: 384, cropSize: [384, 384], mode: 'resize', rescaleFactor: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
    grid: [27, 27],
    hiddenSize: 1024,
    hasCls: false,
  });
  expect(manifest.projector).toBeUndefined();
  expect(manifest.llm).toMatchObject({ hiddenSize: 1024, numLayers: 24, numAttentionHeads: 16, numKeyValueHeads: 16, headDim: 64, vocabSize: 151936, maxPositions: 32768 });
  expect(manifest.llm.config).toBe(`${VLM}/config.json`);
  expect(manifest.prompt).toEqual({ imageToken: '<image>', eosTokenIds: [151645, 151643] });
  expect(manifest.segmenter.preprocess).toEqual({ longestEdge: 1024, padSize: 1024, rescaleFactor: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  expect(manifest.segmenter.maskSize).toBe(256);
  expect(manifest.tokens.presets).toEqual([
    { name: '729 (every image token, as transformers.js)', budget: 729, policy: 'patch-only' },
    { name: '57 = 1+36+20 (approximate)', budget: 57 },
    { name: '15 = 1+9+5 (approximate)', budget: 15 },
  ]);
  expect(manifest.source).toMatchObject({ kind: 'hub', vlm: VLM, segmenter: SAM, revision: 'main' });
  expect(Object.keys(manifest.files).sort()).toEqual(plan.files.map((f) => f.key).sort());
  expect(manifest.urls?.[plan.decoder]).toBe(`https://mirror.test/${VLM}/resolve/main/onnx/decoder_model_merged_q4.onnx`);
});

test('eos falls back to config.json without a generation_config.json', () => {
  const { manifest } = derive(undefined, { ...vlm, generation: undefined });
  expect(manifest.prompt.eosTokenIds).toEqual([151645]);
});

test('CLIP-style processors map to shortest edge + center crop; other sizes are refused', () => {
  const clip = { size: { shortest_edge: 336 }, crop_size: { height: 336, width: 336 }, do_center_crop: true, image_mean: [0.48, 0.45, 0.4], image_std: [0.26, 0.26, 0.27] };
  expect(encoderPreprocess('r', clip)).toMatchObject({ shortestEdge: 336, cropSize: [336, 336], mode: 'crop' });
  expect(() => encoderPreprocess('r', { size: { shortest_edge: 336 }, do_center_crop: false })).toThrow(ManifestError);
  expect(encoderPreprocess('r', { size: { height: 8, width: 8 }, do_normalize: false, do_rescale: false })).toMatchObject({ rescaleFactor: 1, mean: [0, 0, 0], std: [1, 1, 1] });
  expect(() => segmenterPreprocess('r', { size: { longest_edge: 1024 }, pad_size: { height: 512, width: 512 } })).toThrow(/pad_size/);
});

test('configs the SDK cannot run are ManifestErrors that name the repo, file and field', () => {
  const noVision = { ...vlm, config: { ...nanoLlavaConfig, vision_config: undefined } };
  expect(() => derive(undefined, noVision)).toThrow(/nanoLLaVA-1.5: config.json field 'vision_config'/);
  const otherImageToken = { ...vlm, config: { ...nanoLlavaConfig, image_token_index: 5 } };
  expect(() => derive(undefined, otherImageToken)).toThrow(/tokenizer.json field 'added_tokens'/);
  const badLayers = { ...vlm, config: { ...nanoLlavaConfig, text_config: { ...nanoLlavaConfig.text_config, num_hidden_layers: 0 } } };
  expect(() => derive(undefined, badLayers)).toThrow(/text_config.num_hidden_layers/);
});

test('a published VLM (projector inside, no CLS) is approximate and says why; our own contract is exact', () => {
  const { manifest } = derive();
  expect(approximateReason(manifest)).toMatch(/not trained with object tokens/);
  const exact = { ...manifest, encoder: { ...manifest.encoder, hasCls: true }, projector: { file: 'p.onnx', inputName: 'x', outputName: 'y' } };
  expect(approximateReason(exact)).toBeNull();
});
