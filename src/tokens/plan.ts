/** Token-budget planning (docs/composition.md, "Budget planning"). */
import { BudgetError, InvalidArgumentError } from '../errors.ts';
import type { BitMask } from '../masks/bitmask.ts';
import { pruneMasks } from '../masks/prune.ts';
import { checkInteger, describeValue } from '../validate.ts';
import { REDUCERS, type ReducerName, isReducer } from './reduce/index.ts';

/**
 * How a budget is split between kinds. 'balanced' (default) follows the paper's configs;
 * 'patch-only' is plain LLaVA-style pooling; 'object-first' fills objects before patches;
 * 'explicit' takes the caller's split. A reducer name ('divprune', 'tome', 'kmeans',
 * 'cls-topk', 'random') spends the whole budget on patch tokens chosen or merged by that
 * training-free reducer (docs/composition.md, "Training-free reducers").
 */
export type PlanPolicy = 'balanced' | 'patch-only' | 'object-first' | 'explicit' | ReducerName;

/** A caller-chosen split for policy 'explicit'. */
export interface ExplicitSplit {
  /** 1 to include the CLS token, 0 to leave it out. */
  cls: 0 | 1;
  /** Pooled patch grid [rows, cols], at most the encoder grid; [0, 0] for no patch tokens. */
  grid: [number, number];
  /** Number of object tokens, at most the number of surviving masks. */
  objects: number;
}

/** How many tokens of each kind: the output of {@link planTokens}. */
export interface TokenSplit {
  /** 1 when the CLS token is included. */
  cls: 0 | 1;
  /** Pooled patch grid [rows, cols]; [0, 0] when there are no patch tokens. */
  grid: [number, number];
  /** Number of object tokens. */
  objects: number;
  /** Patch tokens a reducer policy makes (absent for the other policies). */
  reduced?: number;
  /** `cls + grid[0]*grid[1] + objects + (reduced ?? 0)`, never more than the budget. */
  total: number;
}

/** Options of {@link planTokens}. */
export interface PlanTokensOptions {
  /** Total visual tokens allowed (integer >= 1). */
  budget: number;
  /** Number of masks left after pruning (K). */
  availableMasks: number;
  /** The encoder's patch grid [rows, cols]. */
  grid: [number, number];
  /** @defaultValue 'balanced' */
  policy?: PlanPolicy;
  /** The split, required when `policy` is 'explicit'. */
  explicit?: ExplicitSplit;
}

/** Everything the worker needs to compose one image's visual tokens. */
export interface TokenPlan extends TokenSplit {
  /** Policy that produced the plan. */
  policy: PlanPolicy;
  /** Budget the plan was made for. */
  budget: number;
  /** Indices into the image's masks of the object tokens, in layout order. */
  maskIds: number[];
  /** Indices of masks removed by pruning (overlapping, empty or beyond `maxCount`), by score descending. */
  pruned: number[];
  /** Seed of the seeded reducers ('random', 'kmeans'). */
  seed?: number;
}

/** Options of {@link planImage}. */
export interface PlanImageOptions {
  /** Total visual tokens allowed (integer >= 1). */
  budget: number;
  /** @defaultValue 'balanced' */
  policy?: PlanPolicy;
  /** IoU above which a lower-scored mask is pruned. @defaultValue 0.5 */
  iouThreshold?: number;
  /** Keep at most this many masks after pruning (the rest go to `pruned`). @defaultValue Infinity */
  maxCount?: number;
  /** The split, required when `policy` is 'explicit'. */
  explicit?: ExplicitSplit;
  /** Seed of the seeded reducers ('random', 'kmeans'). @defaultValue 0 */
  seed?: number;
}

const POLICIES: readonly PlanPolicy[] = ['balanced', 'patch-only', 'object-first', 'explicit', ...REDUCERS];

/** A short label per policy, for tables, charts and pickers. */
export const POLICY_LABELS: Readonly<Record<PlanPolicy, string>> = {
  balanced: 'three kinds',
  'patch-only': 'patch only',
  'object-first': 'object first',
  explicit: 'explicit split',
  divprune: 'DivPrune',
  tome: 'ToMe merging',
  kmeans: 'k-means centroids',
  'cls-topk': 'CLS-similarity top-k',
  random: 'random k',
};

/** Policies a budget sweep can compare (every one but 'explicit', which needs a caller's split). */
export const SWEEP_POLICIES: readonly PlanPolicy[] = POLICIES.filter((p) => p !== 'explicit');

/**
 * Splits a budget into CLS, pooled patches and objects. 'balanced': `cls = 1`, `rem = B - 1`,
 * `objTarget = min(K, floor(rem*20/56))`, `g = min(gh, gw, floor(sqrt(rem - objTarget)))`,
 * `objects = min(K, rem - g*g)`; fixed points 57 -> 1+36+20, 42 -> 1+25+16, 29 -> 1+16+12,
 * 15 -> 1+9+5. Never exceeds the budget; uses all of it when masks suffice; spends the rest on
 * patches when they run out. Throws BudgetError for a budget that is not an integer >= 1 or an
 * explicit split over budget.
 */
export function planTokens(opts: PlanTokensOptions): TokenSplit {
  const { budget, availableMasks: k, grid } = opts;
  const policy = opts.policy ?? 'balanced';
  checkBudget(budget);
  checkInteger('availableMasks', k, 0);
  if (!Array.isArray(grid) || grid.length !== 2) throw new InvalidArgumentError('grid must be [rows, cols]; pass e.g. [24, 24]');
  const [gh, gw] = grid;
  checkInteger('grid[0]', gh, 1);
  checkInteger('grid[1]', gw, 1);
  if (!POLICIES.includes(policy)) {
    throw new InvalidArgumentError(`unknown policy ${JSON.stringify(policy)}; pass one of ${POLICIES.join(', ')}`);
  }

  const side = (n: number): number => Math.min(gh, gw, Math.floor(Math.sqrt(n)));
  const split = (cls: 0 | 1, g: [number, number], objects: number): TokenSplit => ({
    cls,
    grid: g,
    objects,
    total: cls + g[0] * g[1] + objects,
  });

  if (isReducer(policy)) {
    const reduced = Math.min(budget, gh * gw);
    return { cls: 0, grid: [0, 0], objects: 0, reduced, total: reduced };
  }
  switch (policy) {
    case 'balanced': {
      const rem = budget - 1;
      const objTarget = Math.min(k, Math.floor((rem * 20) / 56));
      const g = side(rem - objTarget);
      return split(1, [g, g], Math.min(k, rem - g * g));
    }
    case 'object-first': {
      const rem = budget - 1;
      const objects = Math.min(k, rem);
      const g = side(rem - objects);
      return split(1, [g, g], objects);
    }
    case 'patch-only': {
      if (budget >= gh * gw) return split(0, [gh, gw], 0);
      const g = side(budget);
      return split(0, [g, g], 0);
    }
    case 'explicit':
      return explicitSplit(opts.explicit, budget, k, gh, gw);
  }
}

function checkBudget(budget: number): void {
  if (!Number.isInteger(budget) || budget < 1) {
    throw new BudgetError(`budget must be an integer >= 1, got ${describeValue(budget)}; pass e.g. 57 (1 CLS + 36 patches + 20 objects)`, {
      budget,
    });
  }
}

function explicitSplit(e: ExplicitSplit | undefined, budget: number, k: number, gh: number, gw: number): TokenSplit {
  if (!e) throw new InvalidArgumentError("policy 'explicit' needs explicit: { cls, grid, objects }");
  if (e.cls !== 0 && e.cls !== 1) throw new InvalidArgumentError(`explicit.cls must be 0 or 1, got ${String(e.cls)}`);
  const [h, w] = e.grid;
  checkInteger('explicit.grid[0]', h, 0);
  checkInteger('explicit.grid[1]', w, 0);
  checkInteger('explicit.objects', e.objects, 0);
  if ((h === 0) !== (w === 0) || h > gh || w > gw) {
    throw new InvalidArgumentError(`explicit.grid ${h}x${w} does not fit the ${gh}x${gw} patch grid; pass [0, 0] or a grid within it`);
  }
  if (e.objects > k) {
    throw new InvalidArgumentError(`explicit.objects is ${e.objects} but only ${k} masks survive pruning; pass at most ${k}`);
  }
  const total = e.cls + h * w + e.objects;
  if (total > budget || total === 0) {
    throw new BudgetError(`explicit split has ${total} tokens but the budget is ${budget}; pass a split of 1..${budget} tokens`, {
      total,
      budget,
    });
  }
  return { cls: e.cls, grid: [h, w], objects: e.objects, total };
}

/**
 * Prunes an image's masks (see `pruneMasks`), plans the budget over the survivors and picks the
 * object tokens: the first `objects` kept masks, by score. Cheap enough to run on every slider move.
 */
export function planImage(masks: readonly BitMask[], grid: [number, number], opts: PlanImageOptions): TokenPlan {
  const policy = opts.policy ?? 'balanced';
  checkBudget(opts.budget); // before the (comparatively) costly pruning
  const { kept, removed } = pruneMasks(masks, { iouThreshold: opts.iouThreshold ?? 0.5, maxCount: opts.maxCount ?? Infinity });
  const split = planTokens({ budget: opts.budget, availableMasks: kept.length, grid, policy, explicit: opts.explicit });
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed)) throw new InvalidArgumentError(`seed must be an integer, got ${describeValue(seed)}`);
  return { policy, budget: opts.budget, ...split, maskIds: kept.slice(0, split.objects), pruned: removed, ...(isReducer(policy) ? { seed } : {}) };
}
