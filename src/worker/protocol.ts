/**
 * The contract between the main thread and the inference worker: request/response shapes (only
 * plain data and CPU typed arrays) and the comlink transfer handler that keeps error classes.
 * Imported by both sides; it must not import onnxruntime-web.
 */
import * as Comlink from 'comlink';
import { type SerializedError, deserializeError, serializeError } from '../errors.ts';
import type { BitMask } from '../masks/bitmask.ts';
import type { FileProgressEvent, FileSource } from '../models/progress.ts';
import type { RGBAImage } from '../image/decode.ts';
import type { HubModelSource } from '../models/hub-location.ts';
import type { ModelManifest } from '../models/manifest.ts';
import type { TokenPlan } from '../tokens/plan.ts';
import type { TokenNorms } from '../tokens/token-norms.ts';

/** An execution device that can actually run: what `MaskLlava.device` reports. */
export type Device = 'webgpu' | 'wasm';

/** What the caller asks for: 'auto' tries WebGPU and falls back to WASM. */
export type DevicePreference = 'auto' | Device;

import type { AmgSettings, Box } from '../masks/amg.ts';

export type { AmgSettings, Box };

/**
 * Where a model comes from: a package's manifest.json (URL of the file or its folder), or
 * published repos (host already absolute: the worker's location is not the page's).
 */
export type ModelSource = { kind: 'manifest'; url: string } | ({ kind: 'hub' } & HubModelSource);

/** Worker-side load request. */
export interface LoadRequest {
  source: ModelSource;
  device: DevicePreference;
  numThreads: number | undefined;
  cacheName: string | null | undefined;
}

/** What the worker reports once every session exists. */
export interface LoadResult {
  manifest: ModelManifest;
  device: Device;
  /** Why this device runs (adapter name, or why WebGPU was not used). */
  deviceReason: string;
  numThreads: number;
  /** Where each file came from: 'cache' on a second load. */
  sources: Record<string, FileSource>;
  /** Bytes of the files loaded (the progress events' `total`). */
  bytes: number;
  /**
   * Time spent waiting for files (downloads + verification), ms: the manifest, the tokenizer, and
   * each model file not already downloaded while the previous session was created.
   */
  fetchMs: number;
  /** ONNX Runtime's start-up (its wasm, threads and device), ms: it runs while the files arrive. */
  runtimeMs: number;
  /** Creation time of the model's sessions, ms. */
  sessionMs: number;
  /** Problems that did not stop the load, e.g. files that could not be cached (storage quota). */
  warnings: string[];
}

/**
 * One decoded image, its RGBA buffer transferred (not copied) to the worker. Preprocessing runs in
 * the worker: measured on the tiny fixture it is a 100-300 ms loop that would otherwise block
 * the page.
 */
export interface EncodeRequest {
  imageId: number;
  image: RGBAImage;
  /** Caller boxes: masks come from these instead of automatic mask generation. */
  boxes: Box[] | undefined;
  /** Overrides of the manifest's automatic-mask-generation settings. */
  amg: Partial<AmgSettings> | undefined;
  /** false: the encoder only, no masks. */
  segment: boolean;
}

/** Masks and timings of one encoded image. */
export interface EncodeResult {
  /** Masks over the encoder frame, best first; their bit arrays are transferred. */
  masks: BitMask[];
  /** Candidate masks the decoder produced (0 for the box path). */
  candidates: number;
  /** Candidates left after the IoU/stability/area filters, before NMS. */
  filtered: number;
  /** Building pixel_values for the encoder and the segmenter, ms. */
  preprocessMs: number;
  /** Image-encoder run, ms. */
  encodeMs: number;
  /** Segmenter vision encoder + mask generation, ms. */
  segmentMs: number;
  /** The encoder's input frame in original-image pixels (the masks cover it; it may extend past the image). */
  frame: Box;
  /** CLS norm before and after norm scaling, and the mean patch norm. */
  norms: TokenNorms;
}

/** Worker-side generation request. */
export interface GenerateRequest {
  imageId: number;
  prompt: string;
  plan: TokenPlan;
  maxNewTokens: number;
  temperature: number;
  topP: number;
  seed: number;
}

/** Token counts and timings of one answer. */
export interface GenerateUsage {
  /** Visual tokens by kind, as spliced into the prompt. */
  visualTokens: { cls: number; patch: number; object: number; total: number };
  /** Tokens of the rendered chat prompt, the single image placeholder included. */
  promptTokens: number;
  /** Sequence length of the prefill: `promptTokens - 1 + visualTokens.total`, measured on the input. */
  prefillTokens: number;
  /** Tokens generated, stop token excluded. */
  generatedTokens: number;
  /** Generated token ids, stop token excluded. */
  tokenIds: number[];
  /** 'eos' when a stop token ended the answer, 'length' at maxNewTokens. */
  stopReason: 'eos' | 'length';
  /** Milliseconds per stage; encode and segment are the image's (spent once at encode()). */
  timings: {
    encodeMs: number;
    segmentMs: number;
    composeMs: number;
    projectMs: number;
    prefillMs: number;
    decodeMs: number;
    /** Generated tokens after the first, per second of decode time. */
    decodeTokensPerSecond: number;
  };
}

/**
 * A finished answer: the text exactly as streamed (for valid UTF-8 output this is the decode of
 * `usage.tokenIds`) and its usage.
 */
export interface GenerateResult {
  text: string;
  usage: GenerateUsage;
}

/** Receives streamed text from the worker (through comlink, so each call returns a promise there). */
export interface TokenSink {
  text(delta: string): void | Promise<void>;
}

/** Receives load progress from the worker. */
export interface ProgressSink {
  progress(event: FileProgressEvent): void;
}

/** The worker's API as the main thread sees it through comlink. */
export interface WorkerApi {
  load(req: LoadRequest, sink: ProgressSink | undefined): Promise<LoadResult>;
  encode(callId: number, req: EncodeRequest): Promise<EncodeResult>;
  generate(callId: number, req: GenerateRequest, sink: TokenSink): Promise<GenerateResult>;
  nextTokenLogits(callId: number, req: GenerateRequest): Promise<Float32Array>;
  release(imageId: number): void;
  abort(callId: number): void;
  dispose(): Promise<void>;
}

let installed = false;

/**
 * Replaces comlink's 'throw' handler so errors cross as {name, code, message, details} and are
 * rebuilt with their class (MaskLlavaError subclasses by code, AbortError as DOMException).
 * Both sides call this once.
 */
export function installErrorTransfer(): void {
  if (installed) return;
  installed = true;
  const builtin = Comlink.transferHandlers.get('throw')!;
  Comlink.transferHandlers.set('throw', {
    canHandle: builtin.canHandle,
    serialize: ({ value }: { value: unknown }) => [serializeError(value), []],
    deserialize: (data: SerializedError) => {
      throw deserializeError(data);
    },
  } as Comlink.TransferHandler<{ value: unknown }, SerializedError>);
}
