/**
 * Evaluation sets as shipped under public/eval/<name>/: an index JSON listing scenes (image path
 * relative to the index), their questions, and optionally their ground-truth instance masks as
 * run lengths (row-major, starting with a run of 0s, the training recipe's `rle_encode`).
 */
import { InvalidArgumentError } from '../errors.ts';
import { type BitMask, maskFromDense } from '../masks/bitmask.ts';
import type { SweepItem } from './sweep.ts';

/** The index file's shape. */
export interface EvalSetIndex {
  /** Side of the square instance masks. */
  maskSize?: number;
  scenes: Array<{
    id: string;
    /** Image path relative to the index. */
    image: string;
    /** Run-length encoded instance masks, one per object. */
    instances?: number[][];
    questions: Array<{ id?: string; question: string; answer: string; type: string }>;
  }>;
}

/** Decodes run lengths (starting with 0s) into a `size` x `size` mask. */
export function maskFromRuns(runs: readonly number[], size: number): BitMask {
  const dense = new Uint8Array(size * size);
  let pos = 0;
  runs.forEach((run, i) => {
    if (i % 2 === 1) dense.fill(1, pos, pos + run);
    pos += run;
  });
  if (pos !== size * size) {
    throw new InvalidArgumentError(`run lengths add up to ${pos} pixels but a ${size}x${size} mask has ${size * size}; check maskSize`);
  }
  return maskFromDense(dense, size, 1);
}

/** Turns a parsed index into sweep items, resolving image paths against `baseUrl`. */
export function evalItems(index: EvalSetIndex, baseUrl: string): SweepItem[] {
  if (!Array.isArray(index.scenes)) throw new InvalidArgumentError('the evaluation index has no "scenes" array; pass the URL of an eval set index.json');
  const size = index.maskSize ?? 64;
  return index.scenes.map((s) => ({
    id: s.id,
    image: new URL(s.image, baseUrl).href,
    questions: s.questions.map((q, i) => ({ id: q.id ?? `${s.id}/${i}`, question: q.question, answer: q.answer, type: q.type })),
    ...(s.instances ? { instances: s.instances.map((runs) => maskFromRuns(runs, size)) } : {}),
  }));
}

/** Fetches an evaluation set's index and returns its scenes as sweep items. */
export async function loadEvalSet(url: string, signal?: AbortSignal): Promise<SweepItem[]> {
  const absolute = new URL(url, globalThis.location?.href).href;
  const res = await fetch(absolute, { signal });
  if (!res.ok) throw new InvalidArgumentError(`${absolute} answered HTTP ${res.status}; pass the URL of an eval set index.json`);
  return evalItems((await res.json()) as EvalSetIndex, absolute);
}
