/**
 * The files a load fetches, grouped the way sessions are created: each ONNX file with its external
 * data, largest group first, so a loader can fetch one group, create its session and drop the bytes
 * before the next (peak memory: the ORT heap plus one file, not every file at once).
 */
import type { ModelManifest } from './manifest.ts';

/** Session roles, in pipeline order. */
export type SessionRole = 'encoder' | 'segmenterVision' | 'segmenterDecoder' | 'projector' | 'embedTokens' | 'decoder';

/** One session's files. */
export interface SessionFiles {
  role: SessionRole;
  /** The ONNX file (manifest key). */
  file: string;
  /** Its external data files (manifest keys), in chunk order. */
  externalData: string[];
}

/**
 * Every session's files, in creation order: largest first (the projector only when the model has
 * one). Creating a session needs transient heap beside its weights (ORT prepacks them) and wasm
 * memory never shrinks: created first, the largest session's transient space is reused by the
 * smaller ones instead of stacking on top of them.
 */
export function sessionFiles(m: ModelManifest): SessionFiles[] {
  const group = (role: SessionRole, file: string): SessionFiles => ({ role, file, externalData: m.externalData?.[file] ?? [] });
  const bytes = (g: SessionFiles) => [g.file, ...g.externalData].reduce((n, f) => n + (m.files[f]?.size ?? 0), 0);
  const groups = [
    group('encoder', m.encoder.file),
    group('segmenterVision', m.segmenter.visionEncoder),
    group('segmenterDecoder', m.segmenter.promptDecoder),
    ...(m.projector ? [group('projector', m.projector.file)] : []),
    group('embedTokens', m.llm.embedTokens),
    group('decoder', m.llm.decoder),
  ];
  return groups.sort((a, b) => bytes(b) - bytes(a));
}

/** The tokenizer files the worker reads as JSON. */
export function tokenizerFiles(m: ModelManifest): [tokenizer: string, config: string] {
  return [m.llm.tokenizer, m.llm.tokenizerConfig];
}

/** Every file a load fetches: the sum of their sizes is the progress total. */
export function loadFiles(m: ModelManifest): string[] {
  return [...tokenizerFiles(m), ...sessionFiles(m).flatMap((g) => [g.file, ...g.externalData])];
}

/** The name ONNX Runtime matches an external data file by: the location the model records, its base name. */
export function externalDataName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}
