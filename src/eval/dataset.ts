/**
 * Evaluation sets as shipped under public/eval/<name>/ (training/make_assets.py writes them):
 * `questions.json` lists questions with their image (relative to the file), answer and type;
 * the optional `masks.json` holds each image's ground-truth instance masks as run lengths of
 * row-major pixels starting with a run of 0s, at `size` x `size` over the whole scene.
 */
import { InvalidArgumentError } from '../errors.ts';
import { type BitMask, maskFromDense } from '../masks/bitmask.ts';
import type { SweepItem } from './sweep.ts';

/** questions.json. */
export interface EvalQuestionsFile {
  questions: Array<{ image: string; question: string; answer: string; type: string }>;
}

/** masks.json. */
export interface EvalMasksFile {
  size: number;
  /** Image path (as in questions.json) -> its objects' masks. */
  masks: Record<string, Array<{ rle: number[] }>>;
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
    throw new InvalidArgumentError(`run lengths add up to ${pos} pixels but a ${size}x${size} mask has ${size * size}; check the masks' size`);
  }
  return maskFromDense(dense, size, 1);
}

/** Groups questions by image (in first-seen order) and attaches ground-truth masks where given. */
export function evalItems(questions: EvalQuestionsFile, masks: EvalMasksFile | undefined, baseUrl: string): SweepItem[] {
  if (!Array.isArray(questions.questions)) {
    throw new InvalidArgumentError('questions.json has no "questions" array; pass the URL of an evaluation set folder');
  }
  const items = new Map<string, SweepItem>();
  for (const q of questions.questions) {
    let item = items.get(q.image);
    if (!item) {
      item = { id: q.image, image: new URL(q.image, baseUrl).href, questions: [] };
      const gt = masks?.masks[q.image];
      if (masks && gt) item.instances = gt.map((m) => maskFromRuns(m.rle, masks.size));
      items.set(q.image, item);
    }
    item.questions.push({ id: `${q.image}#${item.questions.length}`, question: q.question, answer: q.answer, type: q.type });
  }
  return [...items.values()];
}

async function fetchJson<T>(url: string, signal: AbortSignal | undefined, optional: boolean): Promise<T | undefined> {
  const res = await fetch(url, { signal });
  if (res.ok) return (await res.json()) as T;
  if (optional && res.status === 404) return undefined;
  throw new InvalidArgumentError(`${url} answered HTTP ${res.status}; pass the URL of an evaluation set folder holding questions.json`);
}

/** Fetches an evaluation set (folder URL, relative to the page is fine) as sweep items. */
export async function loadEvalSet(folderUrl: string, signal?: AbortSignal): Promise<SweepItem[]> {
  const base = new URL(folderUrl.replace(/\/?$/, '/'), globalThis.location?.href).href;
  const [questions, masks] = await Promise.all([
    fetchJson<EvalQuestionsFile>(new URL('questions.json', base).href, signal, false),
    fetchJson<EvalMasksFile>(new URL('masks.json', base).href, signal, true),
  ]);
  return evalItems(questions!, masks, base);
}
