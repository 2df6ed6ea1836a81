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
  /** The size of its files together. */
  bytes: number;
}

/**
 * Every session's files, in creation order: largest first (the projector only when the model has
 * one). Creating a session needs transient heap beside its weights (ORT prepacks them) and wasm
 * memory never shrinks: created first, the largest session's transient space is reused by the
 * smaller ones instead of stacking on top of them.
 */
export function sessionFiles(m: ModelManifest): SessionFiles[] {
  const group = (role: SessionRole, file: string): SessionFiles => {
    const externalData = m.externalData?.[file] ?? [];
    return { role, file, externalData, bytes: [file, ...externalData].reduce((n, f) => n + (m.files[f]?.size ?? 0), 0) };
  };
  const groups = [
    group('encoder', m.encoder.file),
    group('segmenterVision', m.segmenter.visionEncoder),
    group('segmenterDecoder', m.segmenter.promptDecoder),
    ...(m.projector ? [group('projector', m.projector.file)] : []),
    group('embedTokens', m.llm.embedTokens),
    group('decoder', m.llm.decoder),
  ];
  return groups.sort((a, b) => b.bytes - a.bytes);
}

/** Files held ahead of their sessions up to this size cost no device a thing: a small model downloads whole at once. */
const AHEAD_FLOOR_BYTES = 32 * 2 ** 20;

/**
 * The end of the groups that may be downloading or downloaded once the first `created` sessions
 * exist: downloads run ahead while the files not yet turned into sessions (the one being created
 * included) stay within twice the largest group (the peak of downloading only the next file while
 * one is created) or 32 MiB, whichever is more. Never fewer than the group to create next.
 */
export function downloadsAhead(groups: readonly SessionFiles[], created: number): number {
  const limit = Math.max(2 * Math.max(...groups.map((g) => g.bytes)), AHEAD_FLOOR_BYTES);
  let end = Math.min(created + 1, groups.length);
  let held = groups.slice(created, end).reduce((n, g) => n + g.bytes, 0);
  while (end < groups.length && held + groups[end]!.bytes <= limit) held += groups[end++]!.bytes;
  return end;
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
