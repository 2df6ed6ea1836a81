/**
 * Derives the SDK's internal manifest from published transformers.js-layout repos (a LLaVA-family
 * VLM and a SAM segmenter): the manifest the worker loads exactly as it loads a manifest.json.
 * Pure: the JSON comes in, nothing is fetched here (hub-files.ts picks the files to fetch).
 */
import type { ComponentDtypes } from './dtype.ts';
import type { HubFilePlan } from './hub-files.ts';
import { encoderPreprocess, segmenterPreprocess } from './hub-preprocess.ts';
import type { ManifestFile, ModelManifest } from './manifest.ts';
import { type Json, failRepoField, jsonObject, positiveInt } from './repo-json.ts';

/** The JSON files of a VLM repo that shape the manifest. */
export interface VlmRepoJson {
  /** Repo id, e.g. 'onnx-community/nanoLLaVA-1.5'. */
  id: string;
  config: Json;
  preprocessor: Json;
  /** generation_config.json, when the repo has one. */
  generation: Json | undefined;
  /** tokenizer.json (its added tokens name the image token). */
  tokenizer: Json;
}

/** The JSON files of a SAM repo that shape the manifest. */
export interface SegmenterRepoJson {
  /** Repo id, e.g. 'Xenova/slimsam-77-uniform'. */
  id: string;
  config: Json;
  preprocessor: Json;
}

/**
 * AMG defaults for published SAM exports: a 16x16 point grid (SAM's 32x32 would be 4x the decoder
 * runs in a browser) with SAM's own quality filters, relaxed slightly for the distilled SlimSAM.
 * Four prompts per decoder call: the SAM-layout decoder repeats the image embedding per prompt, so
 * the SlimSAM-size decoder grew ORT's heap to 2.0 GiB at 64 prompts per call, 323 MiB at 8 and
 * 168 MiB at 4, at the same speed (node, 1 thread, 256 prompts).
 */
const HUB_AMG: ModelManifest['segmenter']['amg'] = {
  pointsPerSide: 16,
  pointsPerBatch: 4,
  predIouThreshold: 0.8,
  stabilityThreshold: 0.9,
  stabilityOffset: 1,
  nmsThreshold: 0.7,
  minAreaFraction: 0.002,
};

/** The image token's string: the added token whose id is the config's image_token_index. */
function imageToken(vlm: VlmRepoJson, id: number): string {
  const added = vlm.tokenizer.added_tokens;
  const entry = Array.isArray(added) ? (added as Json[]).find((t) => t.id === id) : undefined;
  if (!entry || typeof entry.content !== 'string') {
    failRepoField(vlm.id, 'tokenizer.json', 'added_tokens', `has no token with id ${id} (config.json image_token_index); the repo's tokenizer and config disagree`);
  }
  return entry.content;
}

/** Stop token ids: generation_config.json's, else config.json's, else its text config's. */
function eosIds(vlm: VlmRepoJson, text: Json): number[] {
  const raw = vlm.generation?.eos_token_id ?? vlm.config.eos_token_id ?? text.eos_token_id;
  const ids = typeof raw === 'number' ? [raw] : raw;
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((x) => Number.isInteger(x) && x >= 0)) {
    failRepoField(vlm.id, 'generation_config.json', 'eos_token_id', `must be a token id or a list of them, got ${JSON.stringify(raw)}`);
  }
  return ids as number[];
}

/**
 * The internal manifest of a published VLM + segmenter pair. The VLM's vision encoder includes the
 * projector and has no CLS token (transformers.js's LLaVA layout: its `image_features` go straight
 * into the prompt), so `encoder.hasCls` is false, there is no projector, and the encoder's width
 * is the LLM's. `files` gives each file's size (and sha256 where the host publishes it); `urls`
 * where each is fetched from.
 */
export function deriveHubManifest(
  vlm: VlmRepoJson,
  seg: SegmenterRepoJson,
  plan: HubFilePlan,
  files: Record<string, ManifestFile>,
  urls: Record<string, string>,
  source: { revision: string; dtypes: ComponentDtypes },
): ModelManifest {
  const cfg = 'config.json';
  const text = jsonObject(vlm.config, 'text_config') ?? vlm.config;
  const vision = jsonObject(vlm.config, 'vision_config');
  if (!vision) failRepoField(vlm.id, cfg, 'vision_config', 'is missing; this is not a LLaVA-family VLM config');
  const preprocess = encoderPreprocess(vlm.id, vlm.preprocessor);
  const patch = positiveInt(vlm.id, cfg, vision, 'patch_size', 'vision_config.patch_size');
  const grid: [number, number] = [Math.floor(preprocess.cropSize[0] / patch), Math.floor(preprocess.cropSize[1] / patch)];
  const hiddenSize = positiveInt(vlm.id, cfg, text, 'hidden_size', 'text_config.hidden_size');
  const numAttentionHeads = positiveInt(vlm.id, cfg, text, 'num_attention_heads', 'text_config.num_attention_heads');
  const numKeyValueHeads = text.num_key_value_heads === undefined ? numAttentionHeads : positiveInt(vlm.id, cfg, text, 'num_key_value_heads', 'text_config.num_key_value_heads');
  const headDim = text.head_dim === undefined ? hiddenSize / numAttentionHeads : positiveInt(vlm.id, cfg, text, 'head_dim', 'text_config.head_dim');
  const imageTokenId = vlm.config.image_token_index ?? vlm.config.image_token_id;
  if (typeof imageTokenId !== 'number') failRepoField(vlm.id, cfg, 'image_token_index', `must be the image token's id, got ${JSON.stringify(imageTokenId)}`);
  const promptEncoder = jsonObject(seg.config, 'prompt_encoder_config');
  const embeddingSide = promptEncoder?.image_embedding_size ?? 64;
  if (typeof embeddingSide !== 'number') failRepoField(seg.id, cfg, 'prompt_encoder_config.image_embedding_size', 'must be a number');
  const plain = grid[0] * grid[1];

  return {
    format: 'mask-llava-web',
    version: 1,
    name: `${vlm.id} + ${seg.id}`,
    encoder: {
      file: plan.encoder,
      inputName: 'pixel_values',
      outputName: 'image_features',
      preprocess,
      grid,
      hiddenSize,
      hasCls: false,
    },
    segmenter: {
      visionEncoder: plan.segmenterVision,
      promptDecoder: plan.segmenterDecoder,
      preprocess: segmenterPreprocess(seg.id, seg.preprocessor),
      // pred_masks are 4x the image embedding's side (SAM's mask decoder upscales twice by 2).
      maskSize: 4 * embeddingSide,
      amg: { ...HUB_AMG },
    },
    llm: {
      embedTokens: plan.embedTokens,
      decoder: plan.decoder,
      tokenizer: plan.tokenizer,
      tokenizerConfig: plan.tokenizerConfig,
      config: plan.config,
      hiddenSize,
      numLayers: positiveInt(vlm.id, cfg, text, 'num_hidden_layers', 'text_config.num_hidden_layers'),
      numAttentionHeads,
      numKeyValueHeads,
      headDim,
      vocabSize: positiveInt(vlm.id, cfg, text, 'vocab_size', 'text_config.vocab_size'),
      maxPositions: positiveInt(vlm.id, cfg, text, 'max_position_embeddings', 'text_config.max_position_embeddings'),
    },
    prompt: { imageToken: imageToken(vlm, imageTokenId), eosTokenIds: eosIds(vlm, text) },
    tokens: {
      maskResolution: 64,
      normScale: 'per-image',
      // Trained on every patch token only: anything else is an approximation (issue 12).
      kinds: ['patch'],
      // The paper's budgets plan exactly 1+36+20 and 1+9+5 on a 27x27 grid when 20 / 5 masks survive.
      presets: [
        { name: `${plain} (every image token, as transformers.js)`, budget: plain, policy: 'patch-only' },
        { name: '57 = 1+36+20 (approximate)', budget: 57 },
        { name: '15 = 1+9+5 (approximate)', budget: 15 },
      ],
      defaultBudget: plain,
    },
    files,
    urls,
    externalData: plan.externalData,
    source: { kind: 'hub', vlm: vlm.id, segmenter: seg.id, ...source },
  };
}
