/** The options and results of the {@link MaskLlava} facade's calls. */
import type { FileProgressEvent } from './models/progress.ts';
import type { HubModelSource } from './models/hub-location.ts';
import type { TokenPlan } from './tokens/plan.ts';
import type { AmgSettings, Box, Device, DevicePreference, GenerateUsage } from './worker/protocol.ts';

/** Load progress: per-file download events, then one 'ready' event once every session exists. */
export type LoadProgressEvent =
  | FileProgressEvent
  | {
      status: 'ready';
      /** Equals `total`: every byte is in. */
      loaded: number;
      /** Bytes of all files of the model. */
      total: number;
      /** The device the sessions run on. */
      device: Device;
    };

/** Options of {@link MaskLlava.load}. */
export interface LoadOptions {
  /**
   * 'auto' tries WebGPU (navigator.gpu.requestAdapter()) and falls back to WASM, also when the
   * adapter is a software fallback (SwiftShader: far slower than WASM); 'webgpu' uses any adapter,
   * software ones included, and fails with NoWebGPUError when there is none; 'wasm' never touches the GPU.
   * @defaultValue 'auto'
   */
  device?: DevicePreference;
  /** Receives download progress (byte totals known up front) and a final 'ready'. */
  onProgress?: (event: LoadProgressEvent) => void;
  /** Cancels the load: the worker is ended and the promise rejects with an AbortError. */
  signal?: AbortSignal;
  /**
   * WASM threads; used only when the page is cross-origin isolated (else 1).
   * @defaultValue min(4, navigator.hardwareConcurrency)
   */
  numThreads?: number;
  /**
   * Cache API bucket for model files; `null` turns caching off.
   * @defaultValue 'mask-llava-web-models'
   */
  cacheName?: string | null;
}

/**
 * Published transformers.js-layout repos to load by id, with the load options: e.g.
 * `{ vlm: 'onnx-community/nanoLLaVA-1.5', segmenter: 'Xenova/slimsam-77-uniform', dtype: 'q4' }`.
 */
export interface HubLoadOptions extends HubModelSource, LoadOptions {}

/** Options of {@link MaskLlava.encode}. */
export interface EncodeOptions {
  /** Cancels decoding and encoding; the promise rejects with an AbortError. */
  signal?: AbortSignal;
  /**
   * Object boxes `[x0, y0, x1, y1]` in image pixels from the caller's own detector. When given,
   * masks come from these (one per box, in box order) instead of automatic mask generation. The
   * segmenter export has no box input, so each box is prompted with its centre as a positive
   * point, and the candidate mask whose bounding box fits the box best is kept, clipped to it.
   */
  boxes?: Box[];
  /**
   * Overrides of the manifest's automatic-mask-generation settings (`segmenter.amg`), e.g.
   * `{ pointsPerSide: 16 }` for more proposals or lower thresholds for more permissive filtering.
   */
  amg?: Partial<AmgSettings>;
  /**
   * `false` runs the image encoder alone: no segmenter, no masks, so only plans without object
   * tokens fit (e.g. plain mode, `{ budget: 729, policy: 'patch-only' }`), at the encoder's cost.
   * @defaultValue true
   */
  segment?: boolean;
  /**
   * Images larger than this on their longest side are downscaled while decoding.
   * @defaultValue 2048
   */
  maxSide?: number;
}

/** Options of {@link MaskLlava.generate}. */
export interface GenerateOptions {
  /**
   * Which visual tokens the LLM sees. @defaultValue `image.plan({ budget: manifest.tokens.defaultBudget })`
   * (57 for the shipped model), with policy 'patch-only' for a model trained without object tokens
   * (a published VLM: every image token, as transformers.js feeds it)
   */
  plan?: TokenPlan;
  /** @defaultValue 128 */
  maxNewTokens?: number;
  /** 0 is greedy decoding; > 0 samples. @defaultValue 0 */
  temperature?: number;
  /** Nucleus sampling mass (with temperature > 0). @defaultValue 1 */
  topP?: number;
  /** Seed of the sampler, for reproducible sampled answers. @defaultValue a random seed */
  seed?: number;
  /** Stops the answer within one decode step; iteration throws an AbortError. */
  signal?: AbortSignal;
}

/** A streamed answer: iterate for text deltas; `usage` resolves once the answer is complete. */
export interface Generation extends AsyncIterable<string> {
  /** Token counts and stage timings; rejects like the iteration does. */
  readonly usage: Promise<GenerateUsage>;
  /** The whole answer once complete: the concatenation of the streamed deltas. */
  readonly text: Promise<string>;
}
