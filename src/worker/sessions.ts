/**
 * Creates a model's sessions one file at a time: a session's file (and its external data) is
 * fetched, handed to ONNX Runtime, and dropped before the next but one is fetched, so a load never
 * holds every model file in JS memory at once (ORT copies each file into its own heap).
 */
import type { ModelDownloader } from '../models/fetch.ts';
import { type SessionRole, externalDataName, sessionFiles } from '../models/files.ts';
import type { ModelManifest } from '../models/manifest.ts';
import { createSession, type ort } from './backend.ts';
import { LanguageModel } from './llm.ts';
import type { Device } from './protocol.ts';

/** The sessions of one model; `projector` only when the manifest has one. */
export type ModelSessions = Record<Exclude<SessionRole, 'projector'>, ort.InferenceSession> & { projector: ort.InferenceSession | undefined };

/** Names in error messages. */
const SESSION_NAMES: Record<SessionRole, string> = {
  encoder: 'encoder',
  segmenterVision: 'segmenter vision encoder',
  segmenterDecoder: 'segmenter prompt decoder',
  projector: 'projector',
  embedTokens: 'embed_tokens',
  decoder: 'decoder',
};

/** Outputs that stay on the GPU under WebGPU: the segmenter's image embedding and the KV cache. */
function gpuOutputs(role: SessionRole, m: ModelManifest): string[] {
  if (role === 'segmenterVision') return ['image_embeddings', 'image_positional_embeddings'];
  if (role === 'decoder') return LanguageModel.presentNames(m.llm.numLayers);
  return [];
}

/**
 * Fetches and creates every session of `manifest`, largest first, downloading the next file
 * while the current session is created. On failure the sessions created so far are released.
 * `fetchMs` is the time spent waiting for files, `sessionMs` the time spent creating sessions.
 */
export async function createModelSessions(
  manifest: ModelManifest,
  downloader: ModelDownloader,
  device: Device,
): Promise<{ sessions: ModelSessions; fetchMs: number; sessionMs: number }> {
  const groups = sessionFiles(manifest);
  const created = new Map<SessionRole, ort.InferenceSession>();
  const fetchGroup = (i: number) => {
    const g = groups[i];
    if (!g) return undefined;
    const p = downloader.fetch([g.file, ...g.externalData]);
    p.catch(() => undefined); // awaited below; a failure while another session is created must not go unhandled
    return p;
  };
  const graphOptimizationLevel = manifest.runtime?.graphOptimizationLevel?.[device];
  let next = fetchGroup(0);
  let fetchMs = 0;
  let sessionMs = 0;
  try {
    for (const [i, g] of groups.entries()) {
      const t0 = performance.now();
      let bytes: Map<string, Uint8Array> | undefined = await next!;
      const t1 = performance.now();
      next = fetchGroup(i + 1);
      const externalData = g.externalData.map((key) => ({ path: externalDataName(key), data: bytes!.get(key)! }));
      const session = await createSession(SESSION_NAMES[g.role], bytes.get(g.file)!, device, { gpuOutputs: gpuOutputs(g.role, manifest), externalData, graphOptimizationLevel });
      fetchMs += t1 - t0;
      sessionMs += performance.now() - t1;
      // ORT holds its own copy now: let this file's bytes go before the next download lands.
      bytes = undefined;
      externalData.length = 0;
      created.set(g.role, session);
    }
  } catch (err) {
    await Promise.all([...created.values()].map((s) => s.release().catch(() => undefined)));
    throw err;
  }
  const get = (role: SessionRole) => created.get(role)!;
  const sessions: ModelSessions = {
    encoder: get('encoder'),
    segmenterVision: get('segmenterVision'),
    segmenterDecoder: get('segmenterDecoder'),
    projector: created.get('projector'),
    embedTokens: get('embedTokens'),
    decoder: get('decoder'),
  };
  return { sessions, fetchMs, sessionMs };
}
