/**
 * The model package contract (docs/model-format.md is the prose version). A model is a folder or
 * URL prefix holding `manifest.json` plus the component files it lists. All paths are relative to
 * the manifest. This file is the single source of truth for the manifest's shape.
 */
import type { AmgSettings } from '../masks/amg.ts';

/** Current manifest format version. */
export const MANIFEST_VERSION = 1;

/** How an image becomes the encoder's `pixel_values` (CLIP-processor semantics). */
export interface EncoderPreprocess {
  /** Resize so the shortest edge has this length (filter per `resample`). */
  shortestEdge: number;
  /** Final [height, width] after center crop (or after padding when `mode` is 'pad'). */
  cropSize: [number, number];
  /** 'crop': resize shortest edge then center crop (CLIP); 'pad': resize longest edge then pad. */
  mode: 'crop' | 'pad';
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
  /** Lower-case hex SHA-256 of the bytes. */
  sha256: string;
}

/** The budget of generate()'s default plan when a manifest names none: the paper's 1 + 36 + 20. */
export const DEFAULT_BUDGET = 57;

/** Token-count presets shown by UIs and used by experiments. `budget` is the total visual tokens. */
export interface BudgetPreset {
  /** Display name, e.g. "57 (1+36+20)". */
  name: string;
  /** Total visual-token budget. */
  budget: number;
}

/** The model manifest (`manifest.json`). */
export interface ModelManifest {
  /** Always 'mask-llava-web'. */
  format: 'mask-llava-web';
  /** Contract version; loaders reject versions they do not know. */
  version: number;
  /** Human-readable model name. */
  name: string;

  /** Vision encoder: pixel_values [1,3,H,W] -> hidden states [1, 1+N, D], CLS first. */
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

  /** Projector: [1, T, D] -> [1, T, H] (LLaVA two-layer MLP). */
  projector: {
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
}
