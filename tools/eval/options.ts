/** Command-line options shared by `npm run eval` and `npm run sweep`. */
import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '../../src/errors.ts';
import { MAIN_MODEL, SHAPESWORLD_EVAL } from '../../demo/catalog.ts';
import type { ExperimentModel } from '../../src/eval/experiment.ts';
import { type Shard, parseShard } from '../../src/eval/shard.ts';
import { parseBudgets, type SweepBudget } from '../../src/eval/budget.ts';
import { type PlanPolicy, POLICY_LABELS, SWEEP_POLICIES } from '../../src/tokens/plan.ts';
import type { DevicePreference } from '../../src/worker/protocol.ts';

/** The parsed options. */
export interface ToolOptions {
  budgets: SweepBudget[];
  /** Images to use; undefined means the whole set. */
  limit: number | undefined;
  device: DevicePreference;
  numThreads: number | undefined;
  evalSet: string;
  model: string;
  policies: PlanPolicy[];
  /** This run's shard of the images (`--shard i/n`). */
  shard: Shard | undefined;
  /** Where to write the whole result as JSON (`--out`), e.g. for merging shards. */
  out: string | undefined;
  /** Where `npm run eval` writes its report, relative to the repository. */
  report: string;
  /** Leave the shipped ablation models out (`npm run eval` only). */
  skipAblations: boolean;
  /** Leave the training-free reducers out of the main model's variants (`npm run eval` only). */
  skipReducers: boolean;
}

/** A model swept with the given policies, each variant named after its policy. */
export function modelWithPolicies(url: string, policies: readonly PlanPolicy[], prefix = ''): ExperimentModel {
  return { url, variants: policies.map((policy) => ({ name: `${prefix}${POLICY_LABELS[policy]}`, policy })) };
}

/** Chromium flags for a device: WebGPU needs its flag (SwiftShader here), WASM none. */
export function deviceArgs(device: DevicePreference): string[] {
  return device === 'wasm' ? [] : ['--enable-unsafe-webgpu'];
}


function checkPolicy(p: string): PlanPolicy {
  const policy = SWEEP_POLICIES.find((s) => s === p);
  if (policy) return policy;
  throw new InvalidArgumentError(`--policies takes ${SWEEP_POLICIES.join(', ')}, got ${p}`);
}

/** Parses argv; `defaultBudgets` differs between the tools. */
export function parseToolOptions(argv: string[], defaultBudgets: string): ToolOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      budgets: { type: 'string', default: defaultBudgets },
      limit: { type: 'string' },
      device: { type: 'string', default: 'wasm' },
      threads: { type: 'string' },
      eval: { type: 'string', default: `/${SHAPESWORLD_EVAL}` },
      model: { type: 'string', default: `/${MAIN_MODEL.manifest}` },
      policies: { type: 'string', default: 'balanced,patch-only' },
      shard: { type: 'string' },
      out: { type: 'string' },
      report: { type: 'string', default: 'docs/RESULTS.md' },
      'skip-ablations': { type: 'boolean', default: false },
      'skip-reducers': { type: 'boolean', default: false },
    },
  });
  const int = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`--${name} must be an integer >= 1, got ${v}`);
    return n;
  };
  const device = values.device;
  if (device !== 'wasm' && device !== 'webgpu' && device !== 'auto') throw new InvalidArgumentError(`--device must be wasm, webgpu or auto, got ${device}`);
  return {
    budgets: parseBudgets(values.budgets),
    limit: int('limit', values.limit),
    device,
    numThreads: int('threads', values.threads),
    evalSet: values.eval,
    model: values.model,
    policies: values.policies.split(',').filter(Boolean).map(checkPolicy),
    shard: values.shard === undefined ? undefined : parseShard(values.shard),
    out: values.out,
    report: values.report,
    skipAblations: values['skip-ablations'],
    skipReducers: values['skip-reducers'],
  };
}
