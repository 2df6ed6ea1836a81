/**
 * The main-thread facade: `MaskLlava.load()` starts the inference worker and loads a model,
 * `encode()` turns an image into features + masks (kept in the worker), `EncodedImage.plan()` picks
 * the visual tokens synchronously, and `generate()` streams the answer.
 */
import * as Comlink from 'comlink';
import { Channel } from './channel.ts';
import { DisposedError, InvalidArgumentError, ReleasedError, WorkerCrashedError, abortReason } from './errors.ts';
import type { ImageInput } from './image/decode.ts';
import type { EncodeOptions, GenerateOptions, Generation, HubLoadOptions, LoadOptions } from './client-options.ts';
import { EncodedImage } from './encoded-image.ts';
import { encodeRequest } from './encode-request.ts';
import { generateRequest } from './generate-request.ts';
import { resolveLoadArguments } from './load-arguments.ts';
import { approximateReason } from './models/approximate.ts';
import type { ModelManifest } from './models/manifest.ts';
import type { FileProgressEvent } from './models/progress.ts';
import { WorkerHost } from './worker/host.ts';
import type { Device, GenerateRequest, LoadResult, ModelSource } from './worker/protocol.ts';

let nextImageId = 1;
let nextCallId = 1;

/**
 * A loaded Mask-LLaVA model running in a Web Worker. Create with {@link MaskLlava.load}.
 *
 * If the worker crashes, calls in flight reject with WorkerCrashedError; the next call starts a
 * new worker and loads the model again from the Cache API. Images encoded before the crash are
 * lost with it: generate() on them throws WorkerCrashedError saying to encode again.
 */
export class MaskLlava {
  #device: Device;
  #deviceReason: string;
  /** WASM threads in use. */
  readonly numThreads: number;
  /** The model's manifest. */
  readonly manifest: ModelManifest;
  /** Timings and file sources of the load. */
  readonly loadInfo: Pick<LoadResult, 'sources' | 'bytes' | 'fetchMs' | 'runtimeMs' | 'sessionMs' | 'warnings'>;
  /**
   * True when this model was not trained with CLS and object tokens (a published VLM whose encoder
   * includes the projector): plans other than every patch token are approximate Mask-LLaVA.
   */
  readonly approximate: boolean;
  /** Why the model is approximate, in a sentence for users; null when it is not. */
  readonly approximateReason: string | null;
  readonly #source: ModelSource;
  readonly #options: LoadOptions;
  #host: WorkerHost;
  /** Which worker an image belongs to: bumped on every restart after a crash. */
  #epoch = 0;
  readonly #imageEpochs = new Map<number, number>();
  #restarting: Promise<void> | undefined;
  #disposed = false;

  private constructor(source: ModelSource, options: LoadOptions, host: WorkerHost, result: LoadResult) {
    this.#source = source;
    this.#options = options;
    this.#host = host;
    this.#device = result.device;
    this.#deviceReason = result.deviceReason;
    this.numThreads = result.numThreads;
    this.manifest = result.manifest;
    this.loadInfo = { sources: result.sources, bytes: result.bytes, fetchMs: result.fetchMs, runtimeMs: result.runtimeMs, sessionMs: result.sessionMs, warnings: result.warnings };
    for (const warning of result.warnings) console.warn(`mask-llava-web: ${warning}`);
    this.approximateReason = approximateReason(result.manifest);
    this.approximate = this.approximateReason !== null;
  }

  /**
   * Starts the inference worker, downloads the model (Cache API first), verifies every file's
   * size and sha256 and creates the sessions one at a time, each file's bytes dropped once its
   * session exists.
   *
   * - `load(modelUrl, options)`: a model package; `modelUrl` is the URL of its folder or of its
   *   manifest.json (relative to the page is fine).
   * - `load({ vlm, segmenter, dtype, revision, host, ...options })`: published transformers.js-layout
   *   repos by id, from `{host}/{repo}/resolve/{revision}/` (the Hugging Face Hub by default). The
   *   manifest is derived from the repos' config, preprocessor, generation and tokenizer files;
   *   `dtype` picks the weight files (defaults per device, see `vlm.manifest.source.dtypes`).
   */
  static async load(source: string | HubLoadOptions, options: LoadOptions = {}): Promise<MaskLlava> {
    const { model, options: resolved } = resolveLoadArguments(source, options, location.href);
    const { host, result } = await MaskLlava.#start(model, resolved);
    return new MaskLlava(model, resolved, host, result);
  }

  static async #start(source: ModelSource, options: LoadOptions): Promise<{ host: WorkerHost; result: LoadResult }> {
    const { signal, onProgress } = options;
    signal?.throwIfAborted();
    const host = new WorkerHost();
    // Progress arrives on its own port, so it can trail the worker's answer: nothing may reach the
    // caller once load() has settled (a late event would overwrite the error a UI shows).
    let settled = false;
    const sink = onProgress ? Comlink.proxy({ progress: (e: FileProgressEvent) => settled || onProgress(e) }) : undefined;
    try {
      const result = await host
        .call(
          (remote) => remote.load({ source, device: options.device ?? 'auto', numThreads: options.numThreads, cacheName: options.cacheName }, sink),
          signal,
          () => host.terminate(abortReason(signal!)),
        )
        .finally(() => (settled = true));
      host.watchLifetime();
      onProgress?.({ status: 'ready', loaded: result.bytes, total: result.bytes, device: result.device });
      return { host, result };
    } catch (err) {
      host.terminate(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
  }

  /** The device that actually runs the sessions (after a restart, the new worker's: e.g. a new GPU device, or WASM). */
  get device(): Device {
    return this.#device;
  }

  /** Why this device runs (the WebGPU adapter, or why WebGPU was not used). */
  get deviceReason(): string {
    return this.#deviceReason;
  }

  /**
   * Encodes an image once: decoding on this thread, then in the worker preprocessing, the image
   * encoder (features stay there) and the segmenter with automatic mask generation (or `boxes`).
   */
  async encode(image: ImageInput, options: EncodeOptions = {}): Promise<EncodedImage> {
    const host = await this.#ready();
    const t0 = performance.now();
    const request = await encodeRequest(nextImageId++, image, options);
    const decodeMs = performance.now() - t0;
    const { imageId, image: rgba } = request;
    const callId = nextCallId++;
    const epoch = this.#epoch;
    const result = await host.call(
      (remote) => remote.encode(callId, Comlink.transfer(request, [rgba.data.buffer])),
      options.signal,
      () => void host.remote.abort(callId),
    );
    this.#imageEpochs.set(imageId, epoch);
    return new EncodedImage(
      imageId,
      this,
      {
        width: rgba.width,
        height: rgba.height,
        masks: result.masks,
        grid: this.manifest.encoder.grid,
        timings: {
          decodeMs,
          preprocessMs: result.preprocessMs,
          encodeMs: result.encodeMs,
          segmentMs: result.segmentMs,
          totalMs: performance.now() - t0,
        },
        proposals: { candidates: result.candidates, filtered: result.filtered },
        frame: result.frame,
        norms: result.norms,
      },
      () => {
        this.#imageEpochs.delete(imageId);
        if (this.#epoch === epoch && !this.#disposed) void host.remote.release(imageId).catch(() => undefined);
      },
    );
  }

  /**
   * Answers `prompt` about `image`, streaming text deltas. Several questions on one image reuse
   * its features. The prompt goes through the model's chat template with the visual tokens in
   * place of its single image placeholder.
   */
  generate(image: EncodedImage, prompt: string, options: GenerateOptions = {}): Generation {
    const callId = nextCallId++;
    const channel = new Channel<string>();
    const sink = Comlink.proxy({ text: (delta: string) => channel.push(delta) });
    const result = (async () => {
      const { host, req } = await this.#request(image, prompt, options);
      return host.call((remote) => remote.generate(callId, req, sink), options.signal, () => void host.remote.abort(callId));
    })();
    result.then(
      () => channel.close(),
      (err: unknown) => channel.close(err instanceof Error ? err : new Error(String(err))),
    );
    const usage = result.then((r) => r.usage);
    const text = result.then((r) => r.text);
    // Callers may only iterate, or only await usage: neither promise may go unhandled.
    usage.catch(() => undefined);
    text.catch(() => undefined);
    return { usage, text, [Symbol.asyncIterator]: () => channel[Symbol.asyncIterator]() };
  }

  /**
   * The LLM's next-token logits (vocabulary-sized) after the prompt with this image: the prefill
   * only. For scoring answers (e.g. "yes" vs "no") and for comparing devices.
   */
  async nextTokenLogits(image: EncodedImage, prompt: string, options: Pick<GenerateOptions, 'plan' | 'signal'> = {}): Promise<Float32Array> {
    const { host, req } = await this.#request(image, prompt, options);
    const callId = nextCallId++;
    return host.call((remote) => remote.nextTokenLogits(callId, req), options.signal, () => void host.remote.abort(callId));
  }

  /** Ends the worker and frees every session and image. Later calls throw DisposedError. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    const host = this.#host;
    const disposed = new DisposedError('this MaskLlava instance was disposed; call MaskLlava.load() again');
    // Give the worker a moment to release its sessions cleanly; terminate regardless.
    await Promise.race([host.remote.dispose().catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
    host.terminate(disposed);
    this.#imageEpochs.clear();
  }

  async #request(image: EncodedImage, prompt: string, options: GenerateOptions): Promise<{ host: WorkerHost; req: GenerateRequest }> {
    const host = await this.#ready();
    if (!(image instanceof EncodedImage) || image.owner !== this) {
      throw new InvalidArgumentError('image must be an EncodedImage from this instance\'s encode()');
    }
    if (image.released) throw new ReleasedError('this image was released; encode it again', { imageId: image.id });
    if (this.#imageEpochs.get(image.id) !== this.#epoch) {
      throw new WorkerCrashedError('this image was encoded by a worker that crashed since; encode it again', { imageId: image.id });
    }
    return { host, req: generateRequest(image, prompt, options, this.manifest.tokens) };
  }

  /** The live worker: after a crash, a new one with the model reloaded (from the Cache API). */
  async #ready(): Promise<WorkerHost> {
    if (this.#disposed) throw new DisposedError('this MaskLlava instance was disposed; call MaskLlava.load() again');
    if (this.#host.crash) {
      this.#restarting ??= MaskLlava.#start(this.#source, { ...this.#options, signal: undefined, onProgress: undefined }).then(
        ({ host, result }) => {
          this.#host = host;
          this.#device = result.device;
          this.#deviceReason = result.deviceReason;
          this.#epoch++;
          this.#restarting = undefined;
        },
        (err: unknown) => {
          this.#restarting = undefined;
          throw err;
        },
      );
      await this.#restarting;
    }
    return this.#host;
  }
}
