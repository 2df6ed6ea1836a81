/**
 * Sweep budgets: a token count, or 'full' (every token the policy can use), parsed from the
 * CLI's and the experiment page's "full,57,15" and resolved per image to the planner's budget.
 */
import { InvalidArgumentError } from '../errors.ts';
import type { PlanPolicy } from '../tokens/plan.ts';
import { isReducer } from '../tokens/reduce/index.ts';

/** A budget: a token count, or 'full' (every patch token, plus CLS and every mask for three kinds). */
export type SweepBudget = number | 'full';

/** The planner budget for `budget` on an image with `masks` proposals. */
export function resolveBudget(budget: SweepBudget, policy: PlanPolicy, grid: readonly [number, number], masks: number): number {
  if (budget !== 'full') return budget;
  const patches = grid[0] * grid[1];
  // 'full' for three kinds: CLS + the whole grid + every mask; balanced planning then keeps them all.
  return policy === 'patch-only' || isReducer(policy) ? patches : 1 + patches + masks;
}

/** Parses a budget list such as "full,57,15" (the CLI's and the experiment page's format). */
export function parseBudgets(text: string): SweepBudget[] {
  const budgets = text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((t): SweepBudget => (t.toLowerCase() === 'full' ? 'full' : Number(t)));
  if (budgets.length === 0) throw new InvalidArgumentError(`no budgets in ${JSON.stringify(text)}; pass e.g. "full,57,42,29,15"`);
  checkBudgets(budgets);
  return budgets;
}

/** Throws InvalidArgumentError unless every budget is 'full' or an integer >= 1. */
export function checkBudgets(budgets: readonly SweepBudget[]): void {
  for (const b of budgets) {
    if (b !== 'full' && !(Number.isInteger(b) && b >= 1)) {
      throw new InvalidArgumentError(`budget ${String(b)} is not 'full' or an integer >= 1; pass e.g. 57`, { budget: b });
    }
  }
}
