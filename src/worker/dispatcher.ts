/**
 * The worker's API ({@link WorkerApi}): the loaded model, the features of encoded images, and a
 * queue that runs calls one at a time (ORT sessions are not re-entrant), each cancellable by its
 * call id. The stages themselves live in loading.ts, encoding.ts and generation.ts.
 */
import * as Comlink from 'comlink';
import { DisposedError, InvalidArgumentError, ReleasedError } from '../errors.ts';
import type { ImageFeatures } from './encoding.ts';
import { encodeImage } from './encoding.ts';
import { generateAnswer, prefillLogits } from './generation.ts';
import { type LoadedModel, loadModel, releaseModel } from './loading.ts';
import type { EncodeRequest, EncodeResult, GenerateRequest, GenerateResult, LoadRequest, LoadResult, ProgressSink, TokenSink, WorkerApi } from './protocol.ts';
import { yieldToEventLoop } from './yield.ts';

const abortError = () => new DOMException('the operation was aborted', 'AbortError');
const disposedError = () => new DisposedError('this MaskLlava instance was disposed; call MaskLlava.load() again');

/** Implements {@link WorkerApi} inside the worker. */
export class Dispatcher implements WorkerApi {
  #model: LoadedModel | undefined;
  #disposed = false;
  readonly #images = new Map<number, ImageFeatures>();
  readonly #calls = new Map<number, AbortController>();
  /** Tail of the queue of calls: each waits for the previous one. */
  #queue: Promise<unknown> = Promise.resolve();

  async load(req: LoadRequest, sink: ProgressSink | undefined): Promise<LoadResult> {
    try {
      const { model, result } = await loadModel(req, sink);
      this.#model = model;
      return result;
    } finally {
      if (sink) releaseRemote(sink);
    }
  }

  encode(callId: number, req: EncodeRequest): Promise<EncodeResult> {
    return this.#run(callId, async (signal) => {
      const { features, result } = await encodeImage(this.#require(), req, signal);
      this.#images.set(req.imageId, features);
      return Comlink.transfer(result, result.masks.map((mk) => mk.bits.buffer));
    });
  }

  generate(callId: number, req: GenerateRequest, sink: TokenSink): Promise<GenerateResult> {
    // The sink is a comlink proxy: release its port once the answer is complete.
    return this.#run(callId, (signal) => generateAnswer(this.#require(), this.#image(req.imageId), req, sink, signal)).finally(() => releaseRemote(sink));
  }

  nextTokenLogits(callId: number, req: GenerateRequest): Promise<Float32Array> {
    return this.#run(callId, async (signal) => {
      const logits = await prefillLogits(this.#require(), this.#image(req.imageId), req, signal);
      return Comlink.transfer(logits, [logits.buffer]);
    });
  }

  release(imageId: number): void {
    this.#images.delete(imageId);
  }

  abort(callId: number): void {
    this.#calls.get(callId)?.abort(abortError());
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    // Not AbortError: callers must be able to tell dispose() from their own abort.
    for (const c of this.#calls.values()) c.abort(disposedError());
    await this.#queue.catch(() => undefined);
    const m = this.#model;
    this.#model = undefined;
    this.#images.clear();
    if (m) await releaseModel(m);
  }

  #require(): LoadedModel {
    if (this.#disposed) throw disposedError();
    if (!this.#model) throw new InvalidArgumentError('no model is loaded; call MaskLlava.load() first');
    return this.#model;
  }

  #image(imageId: number): ImageFeatures {
    const image = this.#images.get(imageId);
    if (!image) throw new ReleasedError(`image ${imageId} was released; encode the image again`, { imageId });
    return image;
  }

  /** Queues `task`; it gets a signal that `abort(callId)` fires, also while it waits its turn. */
  #run<T>(callId: number, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    this.#calls.set(callId, controller);
    const result = this.#queue.then(async () => {
      await yieldToEventLoop();
      controller.signal.throwIfAborted();
      return task(controller.signal);
    });
    this.#queue = result.catch(() => undefined);
    return result.finally(() => this.#calls.delete(callId));
  }
}

/** Closes the port of a comlink proxy received from the main thread. */
function releaseRemote(remote: object): void {
  (remote as Partial<Record<typeof Comlink.releaseProxy, () => void>>)[Comlink.releaseProxy]?.();
}
