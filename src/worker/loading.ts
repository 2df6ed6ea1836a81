/**
 * Loading: from a model source (a package's manifest.json, or published repos whose manifest is
 * derived from their JSON) to the sessions of one model. Both sources become the same manifest
 * before any session exists. Files come through the Cache API with progress whose total is known
 * up front; sessions are created one at a time, largest first, each file dropped once its
 * session exists (src/worker/sessions.ts).
 */
import { type FetchFilesOptions, ModelDownloader, openModelCache } from '../models/fetch.ts';
import { loadFiles, tokenizerFiles } from '../models/files.ts';
import { resolveHubModel } from '../models/hub.ts';
import { fetchManifest, manifestUrl } from '../models/load-manifest.ts';
import type { ModelManifest } from '../models/manifest.ts';
import type { FileSource } from '../models/progress.ts';
import { type DeviceChoice, chooseDevice, type ort, startRuntime, watchDeviceLoss } from './backend.ts';
import { LanguageModel } from './llm.ts';
import { PromptBuilder } from './prompt.ts';
import type { Device, LoadRequest, LoadResult, ProgressSink } from './protocol.ts';
import { Segmenter } from './segment.ts';
import { createModelSessions, releaseQuietly } from './sessions.ts';

/** Everything a loaded model needs to run. */
export interface LoadedModel {
  manifest: ModelManifest;
  device: Device;
  encoder: ort.InferenceSession;
  /** Absent when the encoder's output is already in the LLM's width. */
  projector: ort.InferenceSession | undefined;
  segmenter: Segmenter;
  llm: LanguageModel;
  prompts: PromptBuilder;
}

/** The manifest of `req.source`, where its relative paths resolve, and files already read. */
async function resolveSource(
  req: LoadRequest,
  choice: DeviceChoice,
): Promise<{ manifest: ModelManifest; base: string; prefetched: FetchFilesOptions['prefetched'] }> {
  const { source } = req;
  if (source.kind === 'manifest') {
    const base = manifestUrl(source.url);
    return { manifest: await fetchManifest(base, await openModelCache(req.cacheName)), base, prefetched: undefined };
  }
  const caps = { device: choice.device, shaderF16: choice.shaderF16 };
  const resolved = await resolveHubModel(source, caps, { cacheName: req.cacheName });
  // Every file of a derived manifest has an absolute URL; the base is never used.
  return { manifest: resolved.manifest, base: source.host ?? '', prefetched: resolved.prefetched };
}

/** Fetches the model `req` names and creates its sessions on the chosen device. */
export async function loadModel(req: LoadRequest, sink: ProgressSink | undefined): Promise<{ model: LoadedModel; result: LoadResult }> {
  const choice = await chooseDevice(req.device, req.numThreads);
  // ORT's start-up (~0.3-0.7 s: its 14 MB wasm, threads) runs while the manifest and files arrive.
  const t0 = performance.now();
  const runtime = startRuntime(choice.device).then(() => performance.now() - t0);
  runtime.catch(() => undefined); // awaited before the first session: a failure must not go unhandled meanwhile
  const { manifest, base, prefetched } = await resolveSource(req, choice);
  const paths = loadFiles(manifest);
  const sources: Record<string, FileSource> = {};
  const warnings: string[] = [];
  const downloader = new ModelDownloader(base, manifest.files, paths, {
    cacheName: req.cacheName,
    onWarning: (message) => warnings.push(message),
    ...(manifest.urls ? { urls: manifest.urls } : {}),
    ...(prefetched ? { prefetched } : {}),
    onProgress: (event) => {
      sources[event.file] = event.source;
      sink?.progress(event);
    },
  });
  const d = choice.device;
  // The model files download while the tokenizer is read; a model whose prompt cannot be built
  // stops them, and its sessions created meanwhile are released.
  const sessionsReady = createModelSessions(manifest, downloader, d, runtime);
  sessionsReady.catch(() => undefined); // awaited below, after the tokenizer
  let prompts: PromptBuilder;
  try {
    const [tokenizer, tokenizerConfig] = tokenizerFiles(manifest);
    const json = await downloader.fetch([tokenizer, tokenizerConfig]);
    const decodeJson = (path: string) => JSON.parse(new TextDecoder().decode(json.get(path))) as Record<string, unknown>;
    prompts = new PromptBuilder(decodeJson(tokenizer), decodeJson(tokenizerConfig), manifest.prompt);
  } catch (err) {
    // Reported now, not once ORT has started: sessions created meanwhile are released when they exist.
    downloader.stop(err);
    void sessionsReady.then(({ sessions }) => releaseQuietly(Object.values(sessions)), () => undefined);
    throw err;
  }
  const resolveMs = performance.now() - t0;
  const { sessions, fetchMs, sessionMs } = await sessionsReady;
  if (d === 'webgpu') {
    // Nothing runs on a lost device again: end this worker as a crash (calls in flight reject with
    // WorkerCrashedError saying why), so the next call starts a new one on a new device, or WASM.
    await watchDeviceLoss((why) =>
      setTimeout(() => {
        throw new Error(`the WebGPU device was lost (${why})`);
      }),
    );
  }
  const model: LoadedModel = {
    manifest,
    device: d,
    encoder: sessions.encoder,
    projector: sessions.projector,
    segmenter: new Segmenter(sessions.segmenterVision, sessions.segmenterDecoder, manifest),
    llm: new LanguageModel(sessions.embedTokens, sessions.decoder, manifest, d),
    prompts,
  };
  const result: LoadResult = {
    manifest,
    device: d,
    deviceReason: choice.reason,
    numThreads: choice.numThreads,
    sources,
    bytes: downloader.total,
    fetchMs: resolveMs + fetchMs,
    runtimeMs: await runtime,
    sessionMs,
    warnings,
  };
  return { model, result };
}

/** Releases every session of `model`. */
export async function releaseModel(model: LoadedModel): Promise<void> {
  const { encoder, projector, segmenter, llm } = model;
  for (const s of [encoder, projector, segmenter.visionEncoder, segmenter.promptDecoder, llm.embedder, llm.decoder]) await s?.release();
}
