/**
 * A sweep described as data (which evaluation set, which models with which token policies, which
 * budgets), so the experiment page and the headless tools run the very same thing: load the
 * evaluation set and the models, run {@link runSweep}, summarise, dispose.
 */
import { MaskLlava } from '../client.ts';
import type { PlanPolicy } from '../tokens/plan.ts';
import type { DevicePreference } from '../worker/protocol.ts';
import { loadEvalSet } from './dataset.ts';
import { type Shard, shardItems } from './shard.ts';
import { type SweepRow, summariseSweep } from './summary.ts';
import type { SweepBudget } from './budget.ts';
import { type SweepProgress, type SweepResult, type SweepVariant, runSweep } from './sweep.ts';

/** A model of the experiment and the token policies to sweep it with. */
export interface ExperimentModel {
  /** URL of the model folder or manifest (relative to the page is fine). */
  url: string;
  /** One variant per entry, e.g. `{ name: 'three kinds', policy: 'balanced' }`. */
  variants: Array<{ name: string; policy: PlanPolicy }>;
}

/** Everything that defines an experiment. */
export interface ExperimentConfig {
  /** URL of the evaluation set's index (see loadEvalSet). */
  evalSet: string;
  models: ExperimentModel[];
  budgets: SweepBudget[];
  /** Use only the first `limit` images of the set. @defaultValue every image */
  limit?: number;
  /** @defaultValue 8 */
  maxNewTokens?: number;
  /** @defaultValue 'auto' */
  device?: DevicePreference;
  /** WASM threads. @defaultValue the SDK's default */
  numThreads?: number;
  /** Run only this shard of the images (after `limit`); merge shards with mergeExperiments. */
  shard?: Shard;
}

/** Progress of an experiment: loading, then the sweep's own events. */
export type ExperimentProgress = { status: 'loading'; what: string } | SweepProgress;

/** An experiment's outcome, JSON-serialisable. */
export interface ExperimentResult {
  config: ExperimentConfig;
  /** Device and threads that ran, from the first model. */
  device: string;
  numThreads: number;
  /** Images and questions of the set that were used. */
  images: number;
  /** Images in the whole set. */
  setImages: number;
  questions: number;
  sweep: SweepResult;
  rows: SweepRow[];
  /** Wall time of the sweep (models loaded), ms. */
  sweepMs: number;
}

/** Loads what `config` names, runs the sweep, and disposes the models again. */
export async function runExperiment(
  config: ExperimentConfig,
  opts: { signal?: AbortSignal; onProgress?: (event: ExperimentProgress) => void } = {},
): Promise<ExperimentResult> {
  const { signal, onProgress } = opts;
  onProgress?.({ status: 'loading', what: config.evalSet });
  const all = await loadEvalSet(config.evalSet, signal);
  const items = shardItems(config.limit === undefined ? all : all.slice(0, config.limit), config.shard);
  const models: MaskLlava[] = [];
  try {
    const variants: SweepVariant[] = [];
    for (const m of config.models) {
      onProgress?.({ status: 'loading', what: m.url });
      const model = await MaskLlava.load(m.url, { device: config.device ?? 'auto', numThreads: config.numThreads, signal });
      models.push(model);
      for (const v of m.variants) variants.push({ name: v.name, policy: v.policy, model });
    }
    const t0 = performance.now();
    const sweep = await runSweep({ variants, items, budgets: config.budgets, maxNewTokens: config.maxNewTokens, signal, onProgress });
    return {
      config,
      device: models[0]?.device ?? 'none',
      numThreads: models[0]?.numThreads ?? 0,
      images: items.length,
      setImages: all.length,
      questions: items.reduce((n, it) => n + it.questions.length, 0),
      sweep,
      rows: summariseSweep(sweep.records),
      sweepMs: performance.now() - t0,
    };
  } finally {
    await Promise.all(models.map((m) => m.dispose()));
  }
}
