/**
 * The token-budget sweep: one definition shared by the experiment page, `npm run eval` and
 * `npm run sweep`. Each image is encoded once per model; every question is then asked at every
 * budget by every variant of that model (the runtime reuses the image's features), and each
 * answer is scored after trimming and lower-casing. Progress is reported after every answer;
 * aborting the signal stops the sweep within one answer and returns what was measured so far,
 * flagged `stopped`.
 */
import type { MaskLlava } from '../client.ts';
import type { EncodedImage } from '../encoded-image.ts';
import { InvalidArgumentError } from '../errors.ts';
import type { ImageInput } from '../image/decode.ts';
import type { BitMask } from '../masks/bitmask.ts';
import type { PlanPolicy } from '../tokens/plan.ts';
import { isCorrect, timedAnswer } from './answer.ts';
import { type SweepBudget, checkBudgets, resolveBudget } from './budget.ts';
import { meanBestIoU } from './mask-quality.ts';

/** One model configuration of the sweep: a model and how its budgets are split. */
export interface SweepVariant {
  /** Label used in tables and charts, e.g. 'three kinds' or 'no-norm-scale'. */
  name: string;
  model: MaskLlava;
  /** 'balanced' (three kinds) or 'patch-only' (plain LLaVA pooling), or any other planner policy. */
  policy: PlanPolicy;
}

/** One question of the evaluation set. */
export interface SweepQuestion {
  id: string;
  question: string;
  /** Expected answer, compared after trim + lower-case. */
  answer: string;
  /** Question type (e.g. 'count'); accuracy is reported per type. */
  type: string;
}

/** One image of the evaluation set with its questions and, optionally, ground-truth instances. */
export interface SweepItem {
  id: string;
  /** Anything encode() takes: a URL, bytes, a bitmap, pixels. */
  image: ImageInput;
  questions: SweepQuestion[];
  /** Ground-truth instance masks, for the mask-quality figure. */
  instances?: readonly BitMask[];
}

/** Options of {@link runSweep}. */
export interface SweepOptions {
  variants: SweepVariant[];
  items: SweepItem[];
  budgets: SweepBudget[];
  /** @defaultValue 8 */
  maxNewTokens?: number;
  /** Stops the sweep at the next answer; the partial result comes back with `stopped: true`. */
  signal?: AbortSignal;
  /** Called after each encoded image and each answer. */
  onProgress?: (event: SweepProgress) => void;
}

/** Progress of a sweep; `done` never decreases and ends at `total` (answers). */
export interface SweepProgress {
  status: 'encoded' | 'answered';
  /** Manifest name of the model at work. */
  model: string;
  item: string;
  /** Answers produced so far. */
  done: number;
  /** Answers the whole sweep will produce. */
  total: number;
}

/** One answer of the sweep. */
export interface SweepRecord {
  variant: string;
  policy: PlanPolicy;
  /** The budget as asked ('full' or a count). */
  budget: SweepBudget;
  item: string;
  question: string;
  type: string;
  expected: string;
  answer: string;
  correct: boolean;
  /** Visual tokens actually used, by kind. */
  tokens: { total: number; cls: number; patch: number; object: number };
  /** Prefill sequence length (prompt text + visual tokens). */
  prefillTokens: number;
  /** LLM prefill time (worker), ms. */
  prefillMs: number;
  /** Time to the first streamed chunk (main thread, call to chunk), ms. */
  ttftMs: number;
  /** Time to the end of the answer, ms. */
  totalMs: number;
}

/** Mask quality of one model's automatic masks against the ground-truth instances. */
export interface MaskQuality {
  /** Manifest name of the model. */
  model: string;
  /** Mean over ground-truth objects of the best IoU with any proposal. */
  meanBestIoU: number;
  /** Ground-truth objects scored. */
  objects: number;
  /** Mean number of proposals per image. */
  proposalsPerImage: number;
}

/** What a sweep measured. */
export interface SweepResult {
  records: SweepRecord[];
  maskQuality: MaskQuality[];
  /** Mean encode() time per image (decode, encoder, segmenter), ms, by manifest name. */
  encodeMs: Record<string, number>;
  /** True when the signal stopped the sweep before the end. */
  stopped: boolean;
}

function checkOptions(opts: SweepOptions): void {
  if (opts.variants.length === 0) throw new InvalidArgumentError('variants is empty; pass at least one { name, model, policy }');
  if (opts.budgets.length === 0) throw new InvalidArgumentError("budgets is empty; pass e.g. ['full', 57, 15]");
  checkBudgets(opts.budgets);
}

/** Runs the sweep: every variant x item x question x budget. See the module comment. */
export async function runSweep(opts: SweepOptions): Promise<SweepResult> {
  checkOptions(opts);
  const { items, budgets, signal, onProgress } = opts;
  const maxNewTokens = opts.maxNewTokens ?? 8;
  const questions = items.reduce((n, it) => n + it.questions.length, 0);
  const total = opts.variants.length * questions * budgets.length;
  const result: SweepResult = { records: [], maskQuality: [], encodeMs: {}, stopped: false };
  // Variants that share a model (three kinds and patch-only) share each encoded image.
  const byModel = new Map<MaskLlava, SweepVariant[]>();
  for (const v of opts.variants) byModel.set(v.model, [...(byModel.get(v.model) ?? []), v]);
  let done = 0;

  try {
    for (const [model, variants] of byModel) await sweepModel(model, variants);
  } catch (err) {
    // An abort that lands inside encode or generate ends the sweep like one between answers.
    if (!signal?.aborted) throw err;
  }
  result.stopped = done < total;
  return result;

  async function sweepModel(model: MaskLlava, variants: SweepVariant[]): Promise<void> {
    // Two packages may share a manifest name (e.g. ablations); keep the figures apart.
    let name = model.manifest.name;
    for (let i = 2; name in result.encodeMs; i++) name = `${model.manifest.name} (${i})`;
    const ious: number[] = [];
    let proposals = 0;
    let encoded = 0;
    let encodeMs = 0;
    try {
      for (const item of items) {
        if (signal?.aborted) break;
        const t0 = performance.now();
        const image = await model.encode(item.image, { signal });
        encodeMs += performance.now() - t0;
        encoded++;
        try {
          proposals += image.masks.length;
          if (item.instances) ious.push(...meanBestIoU(item.instances, image.masks).perObject);
          onProgress?.({ status: 'encoded', model: name, item: item.id, done, total });
          for (const q of item.questions) {
            for (const variant of variants) {
              for (const budget of budgets) {
                if (signal?.aborted) return;
                result.records.push(await ask(variant, image, item, q, budget, maxNewTokens, signal));
                done++;
                onProgress?.({ status: 'answered', model: name, item: item.id, done, total });
              }
            }
          }
        } finally {
          image.release();
        }
      }
    } finally {
      // Kept on a stop too: the partial figures describe the images that were encoded.
      if (encoded > 0) result.encodeMs[name] = encodeMs / encoded;
      if (ious.length > 0) {
        const meanBest = ious.reduce((a, b) => a + b, 0) / ious.length;
        result.maskQuality.push({ model: name, meanBestIoU: meanBest, objects: ious.length, proposalsPerImage: proposals / encoded });
      }
    }
  }
}

async function ask(
  variant: SweepVariant,
  image: EncodedImage,
  item: SweepItem,
  q: SweepQuestion,
  budget: SweepBudget,
  maxNewTokens: number,
  signal: AbortSignal | undefined,
): Promise<SweepRecord> {
  const plan = image.plan({ budget: resolveBudget(budget, variant.policy, image.grid, image.masks.length), policy: variant.policy });
  const { answer, usage, ttftMs, totalMs } = await timedAnswer(variant.model, image, q.question, { plan, maxNewTokens, signal });
  return {
    variant: variant.name,
    policy: variant.policy,
    budget,
    item: item.id,
    question: q.question,
    type: q.type,
    expected: q.answer,
    answer: answer.trim(),
    correct: isCorrect(answer, q.answer),
    tokens: usage.visualTokens,
    prefillTokens: usage.prefillTokens,
    prefillMs: usage.timings.prefillMs,
    ttftMs,
    totalMs,
  };
}
