/**
 * Derives the SDK's internal manifest from published transformers.js-layout repos (a LLaVA-family
 * VLM and a SAM segmenter): which files to fetch for the chosen dtypes, and the manifest the worker
 * loads exactly as it loads a manifest.json. Pure: the JSON comes in, nothing is fetched here.
 */
import { ManifestError } from '../errors.ts';
import { type ComponentDtypes, externalDataPaths, onnxFilePath } from './dtype.ts';
import type { EncoderPreprocess, ManifestFile, ModelManifest, SegmenterPreprocess } from './manifest.ts';

type Json = Record<string, unknown>;

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

/** One file of a derived manifest: its key (`{repo}/{path}`), repo and path inside the repo. */
export interface HubFile {
  key: string;
  repo: string;
  path: string;
}

/** The files a load needs, by role. Keys are `{repo}/{path}`. */
export interface HubFilePlan {
  encoder: string;
  embedTokens: string;
  decoder: string;
  segmenterVision: string;
  segmenterDecoder: string;
  tokenizer: string;
  tokenizerConfig: string;
  config: string;
  /** ONNX file key -> its external data file keys. */
  externalData: Record<string, string[]>;
  /** Every file, in load order. */
  files: HubFile[];
}

/** JSON files the SDK reads from a VLM repo (generation_config.json is optional). */
export const VLM_JSON_FILES = ['config.json', 'preprocessor_config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;
/** JSON files the SDK reads from a segmenter repo. */
export const SEGMENTER_JSON_FILES = ['config.json', 'preprocessor_config.json'] as const;

/**
 * AMG defaults for published SAM exports: a 16x16 point grid (SAM's 32x32 would be 4x the decoder
 * runs in a browser) with SAM's own quality filters, relaxed slightly for the distilled SlimSAM.
 */
const HUB_AMG: ModelManifest['segmenter']['amg'] = {
  pointsPerSide: 16,
  pointsPerBatch: 64,
  predIouThreshold: 0.8,
  stabilityThreshold: 0.9,
  stabilityOffset: 1,
  nmsThreshold: 0.7,
  minAreaFraction: 0.002,
};

function fail(repo: string, file: string, field: string, message: string): never {
  throw new ManifestError(`${repo}: ${file} field '${field}' ${message}`, { repo, file, field });
}

function obj(parent: Json, key: string): Json | undefined {
  const v = parent[key];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

function int(repo: string, file: string, parent: Json, key: string, field = key): number {
  const v = parent[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) fail(repo, file, field, `must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

function rgb(repo: string, file: string, p: Json, key: string, fallback: number): [number, number, number] {
  const v = p[key];
  if (v === undefined) return [fallback, fallback, fallback];
  if (typeof v === 'number') return [v, v, v];
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    fail(repo, file, key, `must be 3 numbers, got ${JSON.stringify(v)}`);
  }
  return v as [number, number, number];
}

/** rescale/normalize settings as the image processors apply them (do_* flags off = identity). */
function normalization(repo: string, p: Json): Pick<EncoderPreprocess, 'rescaleFactor' | 'mean' | 'std'> {
  const file = 'preprocessor_config.json';
  const rescale = p.do_rescale === false ? 1 : (p.rescale_factor ?? 1 / 255);
  if (typeof rescale !== 'number' || !(rescale > 0)) fail(repo, file, 'rescale_factor', `must be a positive number, got ${JSON.stringify(rescale)}`);
  const normalize = p.do_normalize !== false;
  return {
    rescaleFactor: rescale,
    mean: normalize ? rgb(repo, file, p, 'image_mean', 0) : [0, 0, 0],
    std: normalize ? rgb(repo, file, p, 'image_std', 1) : [1, 1, 1],
  };
}

/** The VLM's image processor as an encoder preprocess: SigLIP's `{height, width}` or CLIP's shortest edge + center crop. */
export function encoderPreprocess(repo: string, p: Json): EncoderPreprocess {
  const file = 'preprocessor_config.json';
  const size = p.size;
  const norm = normalization(repo, p);
  if (typeof size === 'object' && size !== null && 'height' in size && 'width' in size) {
    const s = size as Json;
    const h = int(repo, file, s, 'height', 'size.height');
    const w = int(repo, file, s, 'width', 'size.width');
    return { shortestEdge: Math.min(h, w), cropSize: [h, w], mode: 'resize', ...norm };
  }
  const shortest = typeof size === 'number' ? size : typeof size === 'object' && size !== null ? (size as Json).shortest_edge : undefined;
  const crop = obj(p, 'crop_size');
  if (typeof shortest === 'number' && p.do_center_crop !== false && crop) {
    return {
      shortestEdge: shortest,
      cropSize: [int(repo, file, crop, 'height', 'crop_size.height'), int(repo, file, crop, 'width', 'crop_size.width')],
      mode: 'crop',
      ...norm,
    };
  }
  return fail(repo, file, 'size', `must be {height, width}, or a shortest edge with crop_size (a fixed-size input), got ${JSON.stringify(size)}`);
}

/** SamImageProcessor settings as a segmenter preprocess. */
export function segmenterPreprocess(repo: string, p: Json): SegmenterPreprocess {
  const file = 'preprocessor_config.json';
  const size = obj(p, 'size');
  if (!size) fail(repo, file, 'size', 'must be {longest_edge}');
  const longestEdge = int(repo, file, size, 'longest_edge', 'size.longest_edge');
  const pad = obj(p, 'pad_size');
  const padSize = pad ? int(repo, file, pad, 'height', 'pad_size.height') : longestEdge;
  if (pad && pad.width !== padSize) fail(repo, file, 'pad_size', `must be square, got ${JSON.stringify(pad)}`);
  if (padSize < longestEdge) fail(repo, file, 'pad_size', `(${padSize}) must be at least size.longest_edge (${longestEdge})`);
  return { longestEdge, padSize, ...normalization(repo, p) };
}

/**
 * External data chunks of one ONNX file from `transformers.js_config.use_external_data_format`
 * (a boolean or count, or an object keyed by file name such as 'decoder_model_merged_q4.onnx' or
 * 'decoder_model_merged'), as transformers.js reads it.
 */
export function externalDataChunks(config: Json, fileName: string, baseName: string): number {
  const setting = obj(config, 'transformers.js_config')?.use_external_data_format;
  if (!setting) return 0;
  if (typeof setting === 'object') {
    const s = setting as Json;
    return Number(s[fileName] ?? s[baseName] ?? 0);
  }
  return Number(setting);
}

/** The files to fetch for these dtypes, in the order sessions are created. */
export function planHubFiles(vlm: { id: string; config: Json }, seg: { id: string; config: Json }, dtypes: ComponentDtypes): HubFilePlan {
  const files: HubFile[] = [];
  const externalData: Record<string, string[]> = {};
  const add = (repo: string, path: string) => {
    const key = `${repo}/${path}`;
    files.push({ key, repo, path });
    return key;
  };
  const onnx = (repo: string, config: Json, name: string, dtype: ComponentDtypes[keyof ComponentDtypes]) => {
    const path = onnxFilePath(name, dtype);
    const key = add(repo, path);
    const chunks = externalDataChunks(config, path.slice('onnx/'.length), name);
    if (chunks > 0) externalData[key] = externalDataPaths(path, chunks).map((p) => add(repo, p));
    return key;
  };
  const config = add(vlm.id, 'config.json');
  const tokenizer = add(vlm.id, 'tokenizer.json');
  const tokenizerConfig = add(vlm.id, 'tokenizer_config.json');
  return {
    encoder: onnx(vlm.id, vlm.config, 'vision_encoder', dtypes.encoder),
    segmenterVision: onnx(seg.id, seg.config, 'vision_encoder', dtypes.segmenter),
    segmenterDecoder: onnx(seg.id, seg.config, 'prompt_encoder_mask_decoder', dtypes.segmenter),
    embedTokens: onnx(vlm.id, vlm.config, 'embed_tokens', dtypes.embedTokens),
    decoder: onnx(vlm.id, vlm.config, 'decoder_model_merged', dtypes.decoder),
    tokenizer,
    tokenizerConfig,
    config,
    externalData,
    files,
  };
}

/** The image token's string: the added token whose id is the config's image_token_index. */
function imageToken(vlm: VlmRepoJson, id: number): string {
  const added = vlm.tokenizer.added_tokens;
  const entry = Array.isArray(added) ? (added as Json[]).find((t) => t.id === id) : undefined;
  if (!entry || typeof entry.content !== 'string') {
    fail(vlm.id, 'tokenizer.json', 'added_tokens', `has no token with id ${id} (config.json image_token_index); the repo's tokenizer and config disagree`);
  }
  return entry.content;
}

function eosIds(vlm: VlmRepoJson, text: Json): number[] {
  const raw = vlm.generation?.eos_token_id ?? vlm.config.eos_token_id ?? text.eos_token_id;
  const ids = typeof raw === 'number' ? [raw] : raw;
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((x) => Number.isInteger(x) && x >= 0)) {
    fail(vlm.id, 'generation_config.json', 'eos_token_id', `must be a token id or a list of them, got ${JSON.stringify(raw)}`);
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
  const text = obj(vlm.config, 'text_config') ?? vlm.config;
  const vision = obj(vlm.config, 'vision_config');
  if (!vision) fail(vlm.id, cfg, 'vision_config', 'is missing; this is not a LLaVA-family VLM config');
  const preprocess = encoderPreprocess(vlm.id, vlm.preprocessor);
  const patch = int(vlm.id, cfg, vision, 'patch_size', 'vision_config.patch_size');
  const grid: [number, number] = [Math.floor(preprocess.cropSize[0] / patch), Math.floor(preprocess.cropSize[1] / patch)];
  const hiddenSize = int(vlm.id, cfg, text, 'hidden_size', 'text_config.hidden_size');
  const numAttentionHeads = int(vlm.id, cfg, text, 'num_attention_heads', 'text_config.num_attention_heads');
  const numKeyValueHeads = text.num_key_value_heads === undefined ? numAttentionHeads : int(vlm.id, cfg, text, 'num_key_value_heads', 'text_config.num_key_value_heads');
  const headDim = text.head_dim === undefined ? hiddenSize / numAttentionHeads : int(vlm.id, cfg, text, 'head_dim', 'text_config.head_dim');
  const imageTokenId = vlm.config.image_token_index ?? vlm.config.image_token_id;
  if (typeof imageTokenId !== 'number') fail(vlm.id, cfg, 'image_token_index', `must be the image token's id, got ${JSON.stringify(imageTokenId)}`);
  const promptEncoder = obj(seg.config, 'prompt_encoder_config');
  const embeddingSide = promptEncoder?.image_embedding_size ?? 64;
  if (typeof embeddingSide !== 'number') fail(seg.id, cfg, 'prompt_encoder_config.image_embedding_size', 'must be a number');
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
      numLayers: int(vlm.id, cfg, text, 'num_hidden_layers', 'text_config.num_hidden_layers'),
      numAttentionHeads,
      numKeyValueHeads,
      headDim,
      vocabSize: int(vlm.id, cfg, text, 'vocab_size', 'text_config.vocab_size'),
      maxPositions: int(vlm.id, cfg, text, 'max_position_embeddings', 'text_config.max_position_embeddings'),
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
