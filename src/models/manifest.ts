/**
 * The model package contract (docs/model-format.md is the prose version). A model is a folder or
 * URL prefix holding `manifest.json` plus the component files it lists. All paths are relative to
 * the manifest. This file is the single source of truth for the manifest's shape.
 */
import type { AmgSettings } from '../masks/amg.ts';

import type { ComponentDtypes } from './dtype.ts';

/** Current manifest format version. */
export const MANIFEST_VERSION = 1;

/** How an image becomes the encoder's `pixel_values` (CLIP-processor semantics). */
export interface EncoderPreprocess {
  /** Resize so the shortest edge has this length (filter per `resample`); unused by 'resize'. */
  shortestEdge: number;
  /** Final [height, width] after center crop (or after padding when `mode` is 'pad', or resizing when 'resize'). */
  cropSize: [number, number];
  /**
   * 'crop': resize shortest edge then center crop (CLIP); 'pad': resize longest edge then pad;
   * 'resize': resize to exactly cropSize, ignoring aspect ratio (SigLIP's `size: {height, width}`).
   */
  mode: 'crop' | 'pad' | 'resize';
  /** Multiplier applied to 0..255 pixel values before normalising, usually 1/255. */
  rescaleFactor: number;
  /** Per-channel RGB mean. */
  mean: [number, number, number];
  /** Per-channel RGB std. */
  std: [number, number, number];
  /** How images are resized (see {@link ResampleMode}). @defaultValue 'canvas' */
  resample?: ResampleMode;
}

/**
 * How preprocessing resizes images. 'canvas': exactly what transformers.js does in browsers
 * (canvas bilinear, 8-bit levels, center-crop offsets that may be half pixels), so models behave
 * as they do under transformers.js. 'pillow': what the Python processors do (Pillow bicubic for the
 * encoder, bilinear for the segmenter, with antialiasing; floored crop offsets; float levels), for
 * models trained from Python-preprocessed images.
 */
export type ResampleMode = 'canvas' | 'pillow';

/** How an image becomes the segmenter's `pixel_values` (SamProcessor semantics). */
export interface SegmenterPreprocess {
  /** Resize so the longest edge has this length, keeping aspect ratio. */
  longestEdge: number;
  /** Zero-pad bottom/right (after normalising) to this square size. */
  padSize: number;
  /** Multiplier applied to 0..255 pixel values before normalising, usually 1/255. */
  rescaleFactor: number;
  /** Per-channel RGB mean. */
  mean: [number, number, number];
  /** Per-channel RGB std. */
  std: [number, number, number];
  /** How images are resized (see {@link ResampleMode}). @defaultValue 'canvas' */
  resample?: ResampleMode;
}

/** A file of the package with what the loader needs to show progress and check integrity. */
export interface ManifestFile {
  /** Size in bytes. */
  size: number;
  /**
   * Lower-case hex SHA-256 of the bytes. Always present in a manifest.json; absent for a file of a
   * published repo whose host does not publish its hash (non-LFS files), which is then checked by
   * size only.
   */
  sha256?: string;
}

/** The budget of generate()'s default plan when a manifest names none: the paper's 1 + 36 + 20. */
export const DEFAULT_BUDGET = 57;

/** Token-count presets shown by UIs and used by experiments. `budget` is the total visual tokens. */
export interface BudgetPreset {
  /** Display name, e.g. "57 (1+36+20)". */
  name: string;
  /** Total visual-token budget. */
  budget: number;
  /** How the preset splits its budget, e.g. 'patch-only' for every image token. @defaultValue 'balanced' */
  policy?: 'balanced' | 'patch-only';
}

/** The model manifest (`manifest.json`). */
export interface ModelManifest {
  /** Always 'mask-llava-web'. */
  format: 'mask-llava-web';
  /** Contract version; loaders reject versions they do not know. */
  version: number;
  /** Human-readable model name. */
  name: string;

  /**
   * Vision encoder: pixel_values [1,3,H,W] -> hidden states [1, 1+N, D], CLS first; or, for a
   * published VLM whose encoder includes the projector (`hasCls: false`, no `projector`), the
   * N image features already in the LLM's width.
   */
  encoder: {
    file: string;
    inputName: string; // 'pixel_values'
    outputName: string; // e.g. 'last_hidden_state'
    preprocess: EncoderPreprocess;
    /** Patch grid [rows, cols]; N = rows * cols. */
    grid: [number, number];
    /** Feature size D. */
    hiddenSize: number;
    /** Optional patch side in pixels; when given, grid must equal cropSize / patchSize. */
    patchSize?: number;
    /**
     * Whether the output starts with a CLS token. Published LLaVA-family exports (SigLIP, projector
     * included) have none: their output is the N patch features after the projector.
     * @defaultValue true
     */
    hasCls?: boolean;
  };

  /** Promptable segmenter in SAM's two-stage layout (SlimSAM exports). */
  segmenter: {
    visionEncoder: string; // pixel_values -> image_embeddings, image_positional_embeddings
    promptDecoder: string; // input_points, input_labels, image_embeddings, image_positional_embeddings -> iou_scores, pred_masks
    preprocess: SegmenterPreprocess;
    /** Side of the square pred_masks output (256 for SAM). It covers the padded padSize frame. */
    maskSize: number;
    /** Default automatic-mask-generation settings. */
    amg: AmgSettings;
  };

  /**
   * Projector: [1, T, D] -> [1, T, H] (LLaVA two-layer MLP). Absent when the encoder's output is
   * already in the LLM's width (manifests derived from published transformers.js-layout VLMs).
   */
  projector?: {
    file: string;
    inputName: string;
    outputName: string;
  };

  /** Decoder-only LLM in transformers.js's ONNX layout. */
  llm: {
    embedTokens: string; // input_ids -> inputs_embeds
    decoder: string; // decoder_model_merged.onnx
    tokenizer: string; // tokenizer.json
    tokenizerConfig: string; // tokenizer_config.json (with chat_template)
    /** Optional transformers.js config.json (lets transformers.js load the same files). */
    config?: string;
    hiddenSize: number;
    numLayers: number;
    /** Optional query-head count; when given it must be a multiple of numKeyValueHeads. */
    numAttentionHeads?: number;
    numKeyValueHeads: number;
    headDim: number;
    vocabSize: number;
    maxPositions: number;
  };

  /** Prompt assembly. The chat template is rendered with the user message containing `imageToken`. */
  prompt: {
    /** Placeholder in the rendered prompt where the visual tokens go (one placeholder). */
    imageToken: string;
    /** Token ids that end generation. */
    eosTokenIds: number[];
    /** Optional system prompt passed to the chat template. */
    systemPrompt?: string;
  };

  /** How visual tokens are composed (docs/composition.md). */
  tokens: {
    /** Side of the square bit-packed masks handed to the planner (64 by default). */
    maskResolution: number;
    /** Norm scaling of CLS and object tokens the model was trained with. */
    normScale: 'per-image' | 'none';
    /** Position embedding added to object tokens (our extension, docs/composition.md); absent = 'none'. */
    objectPosition?: 'none' | 'box-sincos';
    /** Whether the model was trained to see CLS and object tokens ('patch-only' ablations say false). */
    kinds: Array<'cls' | 'patch' | 'object'>;
    presets: BudgetPreset[];
    /**
     * Budget of the plan generate() uses when the caller passes none (a positive integer).
     * @defaultValue {@link DEFAULT_BUDGET} (57, the paper's headline mix) when the file leaves it out
     */
    defaultBudget: number;
  };

  /** Every file of the package (path relative to the manifest -> size and hash). */
  files: Record<string, ManifestFile>;

  /**
   * Absolute URL of each file, for manifests derived from published repos whose files live under
   * several URL prefixes; files not listed here resolve relative to the manifest.
   */
  urls?: Record<string, string>;

  /**
   * ONNX external-data files per model file (`onnx/x.onnx` -> [`onnx/x.onnx_data`, ...]); each is
   * handed to ONNX Runtime under its base name, the location the model records.
   */
  externalData?: Record<string, string[]>;

  /** Where a derived manifest came from: the published repos, revision and dtype of each part. */
  source?: HubSourceInfo;

  /** How ONNX Runtime runs this package, where the package's author measured a better choice than ORT's defaults. */
  runtime?: {
    /**
     * ORT's graph optimisation level per device; devices not listed use 'all'. The level changes
     * which fusions and layout rewrites run when a session is created, not the results: a package
     * sets a lower one when its graphs gain nothing from the rest at run time, because every pass
     * costs the cold start (docs/model-format.md).
     */
    graphOptimizationLevel?: Partial<Record<'wasm' | 'webgpu', GraphOptimizationLevel>>;
  };
}

/** ONNX Runtime's graph optimisation levels, least to most. */
export const GRAPH_OPTIMIZATION_LEVELS = ['disabled', 'basic', 'extended', 'all'] as const;
export type GraphOptimizationLevel = (typeof GRAPH_OPTIMIZATION_LEVELS)[number];

/** The published repos a manifest was derived from. */
export interface HubSourceInfo {
  kind: 'hub';
  /** Repo id of the VLM, e.g. 'onnx-community/nanoLLaVA-1.5'. */
  vlm: string;
  /** Repo id of the segmenter, e.g. 'Xenova/slimsam-77-uniform'. */
  segmenter: string;
  revision: string;
  /** Weight dtype of each component. */
  dtypes: ComponentDtypes;
}

/** A manifest.json of the package contract: it always has a projector and every file's sha256. */
export type PackageManifest = ModelManifest & {
  projector: NonNullable<ModelManifest['projector']>;
  files: Record<string, Required<ManifestFile>>;
};
