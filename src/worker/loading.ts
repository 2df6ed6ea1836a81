/**
 * Loading: from a model source (a manifest URL today) to the sessions of one model. Files come
 * through the Cache API with progress; sessions are created one at a time in pipeline order.
 */
import { type FileSource, fetchModelFiles, openModelCache } from '../models/fetch.ts';
import { fetchManifest, manifestUrl } from '../models/load-manifest.ts';
import type { ModelManifest } from '../models/manifest.ts';
import { chooseDevice, createSession, type ort } from './backend.ts';
import { LanguageModel } from './llm.ts';
import { PromptBuilder } from './prompt.ts';
import type { Device, LoadRequest, LoadResult, ProgressSink } from './protocol.ts';
import { Segmenter } from './segment.ts';

/** Everything a loaded model needs to run. */
export interface LoadedModel {
  manifest: ModelManifest;
  device: Device;
  encoder: ort.InferenceSession;
  projector: ort.InferenceSession;
  segmenter: Segmenter;
  llm: LanguageModel;
  prompts: PromptBuilder;
}

/** Fetches the model `req` names and creates its sessions on the chosen device. */
export async function loadModel(req: LoadRequest, sink: ProgressSink | undefined): Promise<{ model: LoadedModel; result: LoadResult }> {
  const choice = await chooseDevice(req.device, req.numThreads);
  const base = manifestUrl(req.modelUrl);
  const manifest = await fetchManifest(base, await openModelCache(req.cacheName));
  const needed = neededFiles(manifest);
  const sources: Record<string, FileSource> = {};
  const warnings: string[] = [];
  const t0 = performance.now();
  const files = await fetchModelFiles(base, manifest.files, needed, {
    cacheName: req.cacheName,
    onWarning: (message) => warnings.push(message),
    onProgress: (event) => {
      sources[event.file] = event.source;
      sink?.progress(event);
    },
  });
  const fetchMs = performance.now() - t0;
  const t1 = performance.now();
  const file = (path: string) => files.get(path)!;
  const d = choice.device;
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
  const model: LoadedModel = {
    manifest,
    device: d,
    encoder,
    projector,
    segmenter: new Segmenter(segVision, segDecoder, manifest),
    llm: new LanguageModel(embedder, decoder, manifest, d),
    prompts: new PromptBuilder(decodeJson(manifest.llm.tokenizer), decodeJson(manifest.llm.tokenizerConfig), manifest.prompt),
  };
  const result: LoadResult = {
    manifest,
    device: d,
    deviceReason: choice.reason,
    numThreads: choice.numThreads,
    sources,
    bytes: needed.reduce((sum, path) => sum + (manifest.files[path]?.size ?? 0), 0),
    fetchMs,
    sessionMs: performance.now() - t1,
    warnings,
  };
  return { model, result };
}

/** Releases every session of `model`. */
export async function releaseModel(model: LoadedModel): Promise<void> {
  const { encoder, projector, segmenter, llm } = model;
  for (const s of [encoder, projector, segmenter.visionEncoder, segmenter.promptDecoder, llm.embedder, llm.decoder]) await s.release();
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
