/**
 * Creates a model's sessions one file at a time: a session's file (and its external data) is
 * fetched, handed to ONNX Runtime, and dropped once its session exists. Downloads run ahead only
 * as far as files/downloadsAhead allows, so a load never holds a large model's files in JS memory
 * at once (ORT copies each file into its own heap).
 */
import type { ModelDownloader } from '../models/fetch.ts';
import { type SessionRole, downloadsAhead, externalDataName, sessionFiles } from '../models/files.ts';
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
 * Fetches and creates every session of `manifest`, largest first. Files download while `runtime`
 * (ORT's start-up) settles and while sessions are created, as far ahead as downloadsAhead allows:
 * creating a session blocks this thread, so a download requested only after it would wait for it.
 * No session is created before `runtime` settles. On failure the sessions created so far are
 * released. `fetchMs` is the time spent waiting for files after the start-up, `sessionMs` the time
 * spent creating sessions.
 */
export async function createModelSessions(
  manifest: ModelManifest,
  downloader: ModelDownloader,
  device: Device,
  runtime: Promise<unknown>,
): Promise<{ sessions: ModelSessions; fetchMs: number; sessionMs: number }> {
  const groups = sessionFiles(manifest);
  const created = new Map<SessionRole, ort.InferenceSession>();
  const downloads: Array<Promise<Map<string, Uint8Array>> | undefined> = [];
  const fetchAhead = (createdSoFar: number) => {
    const limit = downloadsAhead(groups, createdSoFar);
    for (let i = downloads.length; i < limit; i++) {
      const g = groups[i]!;
      const p = downloader.fetch([g.file, ...g.externalData]);
      p.catch(() => undefined); // awaited below; a failure while another session is created must not go unhandled
      downloads.push(p);
    }
  };
  const graphOptimizationLevel = manifest.runtime?.graphOptimizationLevel?.[device];
  fetchAhead(0);
  let fetchMs = 0;
  let sessionMs = 0;
  try {
    await runtime;
    for (const [i, g] of groups.entries()) {
      const t0 = performance.now();
      let bytes: Map<string, Uint8Array> | undefined = await downloads[i]!;
      downloads[i] = undefined;
      const t1 = performance.now();
      const externalData = g.externalData.map((key) => ({ path: externalDataName(key), data: bytes!.get(key)! }));
      const session = await createSession(SESSION_NAMES[g.role], bytes.get(g.file)!, device, { gpuOutputs: gpuOutputs(g.role, manifest), externalData, graphOptimizationLevel });
      fetchMs += t1 - t0;
      sessionMs += performance.now() - t1;
      // ORT holds its own copy now: let this file's bytes go, and later downloads start.
      bytes = undefined;
      externalData.length = 0;
      created.set(g.role, session);
      fetchAhead(i + 1);
    }
  } catch (err) {
    await releaseQuietly(created.values());
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

/** Releases sessions of a load that failed; a release that fails too changes nothing the caller can act on. */
export async function releaseQuietly(sessions: Iterable<ort.InferenceSession | undefined>): Promise<void> {
  await Promise.all([...sessions].map((s) => s?.release().catch(() => undefined)));
}
