/**
 * The token layout: the one place the order of visual tokens the LLM sees is built
 * (docs/composition.md, "Token layout"): `[CLS] [reduced tokens] [patches row-major] [objects in pruned order]`,
 * kinds absent from the plan skipped.
 */
import { DimensionError, InvalidArgumentError } from '../errors.ts';
import { type BitMask, checkMasks } from '../masks/bitmask.ts';
import { maskCoverage } from '../masks/coverage.ts';
import { checkInteger, checkLength } from '../validate.ts';
import { checkNormMode, type NormScaleMode, normScaleToken, patchStatistics } from './norm-scale.ts';
import { addObjectPosition, type ObjectPositionMode } from './object-position.ts';
import type { TokenPlan } from './plan.ts';
import { poolMask } from './pool-mask.ts';
import { poolPatches } from './pool.ts';
import { type Reduction, isReducer, reducePatches } from './reduce/index.ts';

/** Kind codes of the composed tokens, in layout order: CLS, then patches, then objects. */
export const TokenKind = { cls: 0, patch: 1, object: 2 } as const;

/** One of the {@link TokenKind} codes. */
export type TokenKindCode = (typeof TokenKind)[keyof typeof TokenKind];

/** How many tokens of each kind a composed sequence holds. */
export interface TokenKindCounts {
  cls: number;
  patch: number;
  object: number;
}

/** Counts the {@link TokenKind} codes in `kinds`. */
export function countTokenKinds(kinds: Uint8Array): TokenKindCounts {
  const counts = { cls: 0, patch: 0, object: 0 };
  for (const k of kinds) {
    if (k === TokenKind.cls) counts.cls++;
    else if (k === TokenKind.patch) counts.patch++;
    else counts.object++;
  }
  return counts;
}

/** Visual tokens in layout order with the kind of each. */
export interface ComposedTokens {
  /** `T*dim` row-major, T = plan.total. */
  tokens: Float32Array;
  /** `T` kind codes ({@link TokenKind}). */
  kinds: Uint8Array;
}

/**
 * Composes one image's visual tokens from the encoder output: CLS (row 0 of `hidden`), the patch
 * grid pooled to `plan.grid`, then one mask-pooled object token per `plan.maskIds` entry. CLS and
 * object tokens are norm-scaled to the patch statistics unless `normMode` is 'none'; object tokens
 * then get their mask's position embedding when `objectPosition` is 'box-sincos'.
 * `hidden` is `(1+N)*dim`, CLS first, N = grid[0]*grid[1].
 */
export function composeVisualTokens(
  hidden: Float32Array,
  grid: [number, number],
  dim: number,
  masks: readonly BitMask[],
  plan: TokenPlan,
  normMode: NormScaleMode,
  objectPosition: ObjectPositionMode = 'none',
): ComposedTokens {
  const [gh, gw] = grid;
  checkInteger('grid[0]', gh, 1);
  checkInteger('grid[1]', gw, 1);
  checkInteger('dim', dim, 1);
  checkLength('hidden', hidden.length, (1 + gh * gw) * dim, '(1 + grid[0]*grid[1])*dim');
  checkNormMode(normMode);
  if (objectPosition !== 'none' && objectPosition !== 'box-sincos') {
    throw new InvalidArgumentError(`unknown object position mode ${JSON.stringify(objectPosition)}; pass 'none' or 'box-sincos'`);
  }
  checkMasks(masks);
  const [ph, pw] = plan.grid;
  const reduced = plan.reduced ?? 0;
  if (plan.maskIds.length !== plan.objects || plan.total !== plan.cls + ph * pw + plan.objects + reduced) {
    throw new InvalidArgumentError('plan is inconsistent (total, grid, objects, maskIds disagree); pass a plan from planImage');
  }
  const patches = hidden.subarray(dim);
  const reduction = reduced > 0 ? reduceFor(plan, patches, gh * gw, dim, hidden.subarray(0, dim)) : undefined;
  const needStats = plan.cls + plan.objects > 0 || !!reduction?.merged;
  const all = needStats && (normMode === 'per-image' || objectPosition !== 'none') ? patchStatistics(patches) : undefined;
  const stats = normMode === 'per-image' ? all : undefined;
  const tokens = new Float32Array(plan.total * dim);
  const kinds = new Uint8Array(plan.total);
  let t = 0;

  if (plan.cls === 1) {
    tokens.set(hidden.subarray(0, dim), 0);
    if (stats) normScaleToken(tokens, 0, dim, stats);
    kinds[t++] = TokenKind.cls;
  }
  if (reduction) {
    tokens.set(reduction.tokens, t * dim);
    // Merged tokens are means of several patches, like object tokens: scaled by the same rule.
    if (reduction.merged && stats) for (let r = 0; r < reduced; r++) normScaleToken(tokens, (t + r) * dim, dim, stats);
    kinds.fill(TokenKind.patch, t, t + reduced);
    t += reduced;
  }
  if (ph * pw > 0) {
    tokens.set(poolPatches(patches, gh, gw, dim, ph, pw), t * dim);
    kinds.fill(TokenKind.patch, t, t + ph * pw);
    t += ph * pw;
  }
  for (const id of plan.maskIds) {
    const mask = masks[id];
    if (!mask) throw new DimensionError(`plan refers to mask ${id} but there are ${masks.length} masks; plan with the same masks`);
    tokens.set(poolMask(patches, maskCoverage(mask, gh, gw), dim), t * dim);
    if (stats) normScaleToken(tokens, t * dim, dim, stats);
    if (objectPosition === 'box-sincos') addObjectPosition(tokens, t * dim, dim, mask, all!.std);
    kinds[t++] = TokenKind.object;
  }
  return { tokens, kinds };
}

/** The reducer's tokens for a reducer plan (`plan.policy` names the reducer). */
function reduceFor(plan: TokenPlan, patches: Float32Array, n: number, dim: number, global: Float32Array): Reduction {
  if (!isReducer(plan.policy)) throw new InvalidArgumentError(`plan has ${plan.reduced} reduced tokens but policy ${JSON.stringify(plan.policy)} is not a reducer; pass a plan from planImage`);
  if (plan.reduced! > n) throw new InvalidArgumentError(`plan asks for ${plan.reduced} reduced tokens from ${n} patches; plan with this model's grid`);
  return reducePatches(plan.policy, patches, n, dim, plan.reduced!, global, plan.seed ?? 0);
}
