/**
 * The worker's state and its API: sessions of one model, the features of encoded images, and
 * the stages that use them. Calls run one at a time (ORT sessions are not re-entrant), each
 * cancellable by its call id.
 */
import * as Comlink from 'comlink';
import { DisposedError, InvalidArgumentError, ManifestError, ModelFileMissingError, ReleasedError, SessionError } from '../errors.ts';
import type { BitMask } from '../masks/bitmask.ts';
import { type FileSource, fetchModelFiles } from '../models/fetch.ts';
import type { ModelManifest } from '../models/manifest.ts';
import { parseManifest } from '../models/parse.ts';
import { composeVisualTokens, TokenKind } from '../tokens/layout.ts';
import { tokenNorms } from '../tokens/token-norms.ts';
import { chooseDevice, createSession, ort, runSession } from './backend.ts';
import { preprocessForEncoder, preprocessForSegmenter } from '../image/preprocess.ts';
import { LanguageModel } from './llm.ts';
import { PromptBuilder } from './prompt.ts';
import type {
  Box,
  Device,
  EncodeRequest,
  EncodeResult,
  GenerateRequest,
  GenerateResult,
  GenerateUsage,
  LoadRequest,
  LoadResult,
  ProgressSink,
  TokenSink,
  WorkerApi,
} from './protocol.ts';
import { seededRandom } from './sampling.ts';
import { TextDeltas } from './text-deltas.ts';
import { Segmenter } from './segment.ts';
import { yieldToEventLoop } from './yield.ts';

/** What the worker keeps per encoded image. */
interface ImageFeatures {
  /** Encoder hidden states `(1+N)*D`, CLS first. */
  hidden: Float32Array;
  masks: BitMask[];
  encodeMs: number;
  segmentMs: number;
}

/** Everything a loaded model needs to run. */
interface Loaded {
  manifest: ModelManifest;
  device: Device;
  encoder: ort.InferenceSession;
  projector: ort.InferenceSession;
  segmenter: Segmenter;
  llm: LanguageModel;
  prompts: PromptBuilder;
}

const abortError = () => new DOMException('the operation was aborted', 'AbortError');

/** Implements {@link WorkerApi} inside the worker. */
export class Pipeline implements WorkerApi {
  #model: Loaded | undefined;
  #disposed = false;
  readonly #images = new Map<number, ImageFeatures>();
  readonly #calls = new Map<number, AbortController>();
  /** Tail of the queue of calls: each waits for the previous one. */
  #queue: Promise<unknown> = Promise.resolve();

  async load(req: LoadRequest, sink: ProgressSink | undefined): Promise<LoadResult> {
    const choice = await chooseDevice(req.device, req.numThreads);
    const base = req.modelUrl.endsWith('.json') ? req.modelUrl : req.modelUrl.replace(/\/?$/, '/manifest.json');
    const manifest = await fetchManifest(base);
    const needed = neededFiles(manifest);
    const sources: Record<string, FileSource> = {};
    const t0 = performance.now();
    const files = await fetchModelFiles(base, manifest.files, needed, {
      cacheName: req.cacheName,
      onProgress: (event) => {
        sources[event.file] = event.source;
        sink?.progress(event);
      },
    });
    if (sink) releaseRemote(sink);
    const fetchMs = performance.now() - t0;
    const t1 = performance.now();
    const file = (path: string) => files.get(path)!;
    const d = choice.device;
    // Sessions are created one at a time (createSession chains them), in pipeline order.
    const encoder = await createSession('encoder', file(manifest.encoder.file), d);
    const segVision = await createSession('segmenter vision encoder', file(manifest.segmenter.visionEncoder), d, {
      gpuOutputs: ['image_embeddings', 'image_positional_embeddings'],
    });
    const segDecoder = await createSession('segmenter prompt decoder', file(manifest.segmenter.promptDecoder), d);
    const projector = await createSession('projector', file(manifest.projector.file), d);
    const embedder = await createSession('embed_tokens', file(manifest.llm.embedTokens), d);
    const decoder = await createSession('decoder', file(manifest.llm.decoder), d, {
      gpuOutputs: LanguageModel.presentNames(manifest.llm.numLayers),
    });
    const decodeJson = (path: string) => JSON.parse(new TextDecoder().decode(file(path))) as Record<string, unknown>;
    this.#model = {
      manifest,
      device: d,
      encoder,
      projector,
      segmenter: new Segmenter(segVision, segDecoder, manifest),
      llm: new LanguageModel(embedder, decoder, manifest, d),
      prompts: new PromptBuilder(decodeJson(manifest.llm.tokenizer), decodeJson(manifest.llm.tokenizerConfig), manifest.prompt),
    };
    return {
      manifest,
      device: d,
      deviceReason: choice.reason,
      numThreads: choice.numThreads,
      sources,
      bytes: needed.reduce((sum, path) => sum + (manifest.files[path]?.size ?? 0), 0),
      fetchMs,
      sessionMs: performance.now() - t1,
    };
  }

  encode(callId: number, req: EncodeRequest): Promise<EncodeResult> {
    return this.#run(callId, async (signal) => {
      const m = this.#require();
      const tp = performance.now();
      const enc = preprocessForEncoder(req.image, m.manifest.encoder.preprocess);
      const seg = preprocessForSegmenter(req.image, m.manifest.segmenter.preprocess);
      const preprocessMs = performance.now() - tp;
      await yieldToEventLoop();
      signal.throwIfAborted();
      const t0 = performance.now();
      const out = await runSession('encoder', m.encoder, {
        [m.manifest.encoder.inputName]: new ort.Tensor('float32', enc.data, enc.dims),
      });
      const hiddenT = out[m.manifest.encoder.outputName]!;
      const hidden = (await hiddenT.getData()) as Float32Array;
      hiddenT.dispose();
      const [gh, gw] = m.manifest.encoder.grid;
      if (hidden.length !== (1 + gh * gw) * m.manifest.encoder.hiddenSize) {
        throw new SessionError(`the encoder returned ${hidden.length} values, not (1 + ${gh}*${gw}) * ${m.manifest.encoder.hiddenSize}; fix encoder.grid/hiddenSize`);
      }
      const encodeMs = performance.now() - t0;
      await yieldToEventLoop();
      signal.throwIfAborted();

      const t1 = performance.now();
      const { scaleX, scaleY, left, top } = enc.placement;
      const [, , cropH, cropW] = enc.dims;
      const frame = {
        width: req.image.width,
        height: req.image.height,
        resized: seg.resized,
        encoderRect: [left / scaleX, top / scaleY, (left + cropW) / scaleX, (top + cropH) / scaleY] as Box,
      };
      const embedding = await m.segmenter.embed(seg.data, seg.dims);
      let masks: BitMask[];
      let candidates = 0;
      let filtered = 0;
      try {
        if (req.boxes) {
          masks = await m.segmenter.fromBoxes(embedding, frame, req.boxes, signal);
        } else {
          ({ masks, candidates, filtered } = await m.segmenter.automatic(embedding, frame, { ...m.manifest.segmenter.amg, ...req.amg }, signal));
        }
      } finally {
        embedding.imageEmbeddings.dispose();
        embedding.positionalEmbeddings.dispose();
      }
      const segmentMs = performance.now() - t1;
      this.#images.set(req.imageId, { hidden, masks, encodeMs, segmentMs });
      // The worker keeps its own copy of the masks for composition; the main thread gets another.
      const sent = masks.map((mk) => ({ ...mk, bits: mk.bits.slice() }));
      const norms = tokenNorms(hidden, gh * gw, m.manifest.encoder.hiddenSize, m.manifest.tokens.normScale);
      return Comlink.transfer(
        { masks: sent, candidates, filtered, preprocessMs, encodeMs, segmentMs, frame: frame.encoderRect, norms },
        sent.map((mk) => mk.bits.buffer),
      );
    });
  }

  generate(callId: number, req: GenerateRequest, sink: TokenSink): Promise<GenerateResult> {
    // The sink is a comlink proxy: release its port once the answer is complete.
    return this.#run(callId, (signal) => this.#generate(req, sink, signal)).finally(() => releaseRemote(sink));
  }

  async #generate(req: GenerateRequest, sink: TokenSink, signal: AbortSignal): Promise<GenerateResult> {
    const m = this.#require();
    const deltas = new TextDeltas((ids) => m.prompts.decode(ids));
    let sent: void | Promise<void> = undefined;
    const prepared = await this.#prefillInputs(req);
    const stats = await m.llm.generate({
      embeds: prepared.embeds,
      maxNewTokens: req.maxNewTokens,
      sampling: { temperature: req.temperature, topP: req.topP },
      random: seededRandom(req.seed),
      signal,
      onToken: (id) => {
        const delta = deltas.push(id);
        if (delta) sent = sink.text(delta);
      },
    });
    const rest = deltas.flush();
    if (rest) sent = sink.text(rest);
    // The sink has its own port, so the result could overtake the last deltas: wait until the
    // main thread has the last one (calls on one port arrive in order).
    await sent;
    const image = this.#images.get(req.imageId)!;
    const decodeSteps = Math.max(0, stats.tokens.length - 1);
    const usage: GenerateUsage = {
      visualTokens: prepared.visual,
      promptTokens: prepared.promptTokens,
      prefillTokens: stats.prefillTokens,
      generatedTokens: stats.tokens.length,
      tokenIds: stats.tokens,
      stopReason: stats.stopReason,
      timings: {
        encodeMs: image.encodeMs,
        segmentMs: image.segmentMs,
        composeMs: prepared.composeMs,
        projectMs: prepared.projectMs,
        prefillMs: stats.prefillMs,
        decodeMs: stats.decodeMs,
        decodeTokensPerSecond: stats.decodeMs > 0 ? (decodeSteps * 1000) / stats.decodeMs : 0,
      },
    };
    return { usage, text: m.prompts.decode(stats.tokens) };
  }

  nextTokenLogits(callId: number, req: GenerateRequest): Promise<Float32Array> {
    return this.#run(callId, async (signal) => {
      const m = this.#require();
      const prepared = await this.#prefillInputs(req);
      let logits: Float32Array | undefined;
      await m.llm.generate({
        embeds: prepared.embeds,
        maxNewTokens: 1,
        sampling: { temperature: 0, topP: 1 },
        random: Math.random,
        signal,
        onToken: () => undefined,
        onPrefillLogits: (l) => (logits = l),
      });
      return Comlink.transfer(logits!, [logits!.buffer]);
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
    for (const c of this.#calls.values()) c.abort(abortError());
    await this.#queue.catch(() => undefined);
    const m = this.#model;
    this.#model = undefined;
    this.#images.clear();
    if (!m) return;
    const sessions = [m.encoder, m.projector, m.segmenter.visionEncoder, m.segmenter.promptDecoder, m.llm.embedder, m.llm.decoder];
    for (const s of sessions) await s.release();
  }

  /** Composes the planned visual tokens, projects them and splices them into the prompt's embeddings. */
  async #prefillInputs(req: GenerateRequest) {
    const m = this.#require();
    const image = this.#images.get(req.imageId);
    if (!image) throw new ReleasedError(`image ${req.imageId} was released; encode the image again`, { imageId: req.imageId });
    const { encoder, llm, tokens } = m.manifest;
    const t0 = performance.now();
    const composed = composeVisualTokens(image.hidden, encoder.grid, encoder.hiddenSize, image.masks, req.plan, tokens.normScale);
    const composeMs = performance.now() - t0;
    const count = req.plan.total;
    const t1 = performance.now();
    const projOut = await runSession('projector', m.projector, {
      [m.manifest.projector.inputName]: new ort.Tensor('float32', composed.tokens, [1, count, encoder.hiddenSize]),
    });
    const projT = projOut[m.manifest.projector.outputName]!;
    const visual = (await projT.getData()) as Float32Array;
    projT.dispose();
    const projectMs = performance.now() - t1;

    const { ids, imageIndex } = m.prompts.encode(req.prompt);
    const text = await m.llm.embed(ids);
    const h = llm.hiddenSize;
    const embeds = new Float32Array((ids.length - 1 + count) * h);
    embeds.set(text.subarray(0, imageIndex * h), 0);
    embeds.set(visual, imageIndex * h);
    embeds.set(text.subarray((imageIndex + 1) * h), (imageIndex + count) * h);
    const kinds = { cls: 0, patch: 0, object: 0 };
    for (const k of composed.kinds) {
      if (k === TokenKind.cls) kinds.cls++;
      else if (k === TokenKind.patch) kinds.patch++;
      else kinds.object++;
    }
    return { embeds, promptTokens: ids.length, visual: { ...kinds, total: count }, composeMs, projectMs };
  }

  #require(): Loaded {
    if (this.#disposed) throw new DisposedError('this MaskLlava instance was disposed; call MaskLlava.load() again');
    if (!this.#model) throw new InvalidArgumentError('no model is loaded; call MaskLlava.load() first');
    return this.#model;
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

/** Files the runtime loads: every component the manifest names. */
function neededFiles(m: ModelManifest): string[] {
  return [
    m.encoder.file,
    m.segmenter.visionEncoder,
    m.segmenter.promptDecoder,
    m.projector.file,
    m.llm.embedTokens,
    m.llm.decoder,
    m.llm.tokenizer,
    m.llm.tokenizerConfig,
  ];
}

async function fetchManifest(url: string): Promise<ModelManifest> {
  let response: Response;
  try {
    response = await fetch(url, { cache: 'no-cache' });
  } catch (err) {
    throw new ModelFileMissingError(`could not fetch ${url} (${String(err)}); check the model URL`, { url });
  }
  if (!response.ok) throw new ModelFileMissingError(`${url} answered HTTP ${response.status}; pass the URL of a model folder containing manifest.json`, { url });
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    throw new ManifestError(`${url} is not JSON; pass the URL of a mask-llava-web manifest.json`, { url });
  }
  return parseManifest(json, url);
}
