import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BudgetError, InvalidArgumentError } from '../../../src/errors.ts';
import { maskFromDense } from '../../../src/masks/bitmask.ts';
import { pruneMasks } from '../../../src/masks/prune.ts';
import { type PlanPolicy, planImage, planTokens } from '../../../src/tokens/plan.ts';
import { denseMaskArb } from '../reference.ts';

const gridArb = fc.tuple(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }));
const budgetArb = fc.integer({ min: 1, max: 1000 });
const masksArb = fc.nat(80);

describe('planTokens', () => {
  it.each([
    [57, 36, 20],
    [42, 25, 16],
    [29, 16, 12],
    [15, 9, 5],
  ])('balanced: budget %i with 20+ masks is 1 CLS + %i patches + %i objects (the paper configs)', (budget, patches, objects) => {
    const g = Math.sqrt(patches);
    for (const k of [objects, 20, 100]) {
      expect(planTokens({ budget, availableMasks: k, grid: [24, 24] })).toEqual({ cls: 1, grid: [g, g], objects, total: budget });
    }
  });

  it('balanced: never exceeds the budget, uses it fully when masks suffice, falls back to patches', () => {
    fc.assert(
      fc.property(budgetArb, masksArb, gridArb, (budget, k, grid) => {
        const p = planTokens({ budget, availableMasks: k, grid });
        const [gh, gw] = grid;
        expect(p.total).toBe(p.cls + p.grid[0] * p.grid[1] + p.objects);
        expect(p.total).toBeLessThanOrEqual(budget);
        expect(p.cls).toBe(1);
        expect(p.grid[0]).toBe(p.grid[1]);
        expect(p.grid[0]).toBeLessThanOrEqual(Math.min(gh, gw));
        expect(p.objects).toBeLessThanOrEqual(k);
        if (k >= budget - 1) expect(p.total).toBe(budget);
        // Budget is left unused only when the masks ran out and the next larger square grid
        // would not fit (or the grid is already at its cap).
        if (p.total < budget) {
          expect(p.objects).toBe(k);
          const g = p.grid[0];
          expect(g === Math.min(gh, gw) || (g + 1) ** 2 > budget - 1 - k).toBe(true);
        }
        // Fewer masks never shrink the patch grid.
        if (k > 0) expect(planTokens({ budget, availableMasks: k - 1, grid }).grid[0]).toBeGreaterThanOrEqual(p.grid[0]);
      }),
      { numRuns: 500 },
    );
  });

  it('falls back to patches when there are no masks', () => {
    expect(planTokens({ budget: 57, availableMasks: 0, grid: [24, 24] })).toEqual({ cls: 1, grid: [7, 7], objects: 0, total: 50 });
    expect(planTokens({ budget: 57, availableMasks: 7, grid: [24, 24] })).toEqual({ cls: 1, grid: [7, 7], objects: 7, total: 57 });
    expect(planTokens({ budget: 1, availableMasks: 5, grid: [24, 24] })).toEqual({ cls: 1, grid: [0, 0], objects: 0, total: 1 });
  });

  it('patch-only: no CLS or objects, the full grid (plain LLaVA) once the budget allows', () => {
    fc.assert(
      fc.property(budgetArb, masksArb, gridArb, (budget, k, [gh, gw]) => {
        const p = planTokens({ budget, availableMasks: k, grid: [gh, gw], policy: 'patch-only' });
        expect(p.cls).toBe(0);
        expect(p.objects).toBe(0);
        expect(p.total).toBeLessThanOrEqual(budget);
        if (budget >= gh * gw) expect(p.grid).toEqual([gh, gw]);
        else expect(p.grid[0] ** 2).toBeLessThanOrEqual(budget);
      }),
    );
    expect(planTokens({ budget: 576, availableMasks: 9, grid: [24, 24], policy: 'patch-only' }).total).toBe(576);
    expect(planTokens({ budget: 40, availableMasks: 9, grid: [24, 24], policy: 'patch-only' }).grid).toEqual([6, 6]);
  });

  it('object-first: objects before patches, never over budget', () => {
    fc.assert(
      fc.property(budgetArb, masksArb, gridArb, (budget, k, grid) => {
        const p = planTokens({ budget, availableMasks: k, grid, policy: 'object-first' });
        expect(p.objects).toBe(Math.min(k, budget - 1));
        expect(p.total).toBeLessThanOrEqual(budget);
      }),
    );
  });

  it('explicit: takes the caller split, rejects it over budget or over the surviving masks', () => {
    const explicit = { cls: 0 as const, grid: [3, 2] as [number, number], objects: 4 };
    expect(planTokens({ budget: 10, availableMasks: 4, grid: [24, 24], policy: 'explicit', explicit })).toEqual({ ...explicit, total: 10 });
    expect(() => planTokens({ budget: 9, availableMasks: 4, grid: [24, 24], policy: 'explicit', explicit })).toThrow(BudgetError);
    expect(() => planTokens({ budget: 10, availableMasks: 3, grid: [24, 24], policy: 'explicit', explicit })).toThrow(InvalidArgumentError);
    expect(() => planTokens({ budget: 10, availableMasks: 4, grid: [2, 24], policy: 'explicit', explicit })).toThrow(InvalidArgumentError);
    expect(() => planTokens({ budget: 10, availableMasks: 4, grid: [24, 24], policy: 'explicit' })).toThrow(InvalidArgumentError);
  });

  it('raises BudgetError for budgets that are not integers >= 1, saying what to pass', () => {
    for (const budget of [0, -3, 1.5, NaN, Infinity, '57' as unknown as number]) {
      expect(() => planTokens({ budget, availableMasks: 3, grid: [24, 24] })).toThrow(BudgetError);
      expect(() => planTokens({ budget, availableMasks: 3, grid: [24, 24] })).toThrow(/integer >= 1.*pass e\.g\. 57/);
    }
    // A string reads as a string, not as the number it spells.
    expect(() => planTokens({ budget: '57' as unknown as number, availableMasks: 3, grid: [24, 24] })).toThrow('got "57" (a string)');
    expect(() => planTokens({ budget: 5, availableMasks: -1, grid: [24, 24] })).toThrow(InvalidArgumentError);
    expect(() => planTokens({ budget: 5, availableMasks: 1, grid: [0, 24] })).toThrow(InvalidArgumentError);
    expect(() => planTokens({ budget: 5, availableMasks: 1, grid: [24, 24], policy: 'greedy' as PlanPolicy })).toThrow(InvalidArgumentError);
  });
});

describe('planImage', () => {
  it('prunes, plans over the survivors and takes the first kept masks as objects', () => {
    const size = 16;
    const arb = fc.tuple(fc.array(fc.tuple(denseMaskArb(size), fc.double({ min: 0, max: 1, noNaN: true })), { maxLength: 30 }), fc.integer({ min: 1, max: 80 }));
    fc.assert(
      fc.property(arb, fc.constantFrom<PlanPolicy>('balanced', 'object-first', 'patch-only'), ([set, budget], policy) => {
        const masks = set.map(([d, s]) => maskFromDense(d, size, s));
        const plan = planImage(masks, [12, 12], { budget, policy, iouThreshold: 0.6 });
        const { kept, removed } = pruneMasks(masks, { iouThreshold: 0.6 });
        expect(plan.maskIds).toEqual(kept.slice(0, plan.objects));
        expect(plan.pruned).toEqual(removed);
        expect(plan).toMatchObject({ policy, budget, ...planTokens({ budget, availableMasks: kept.length, grid: [12, 12], policy }) });
      }),
    );
  });

  it('checks the budget before pruning', () => {
    expect(() => planImage([], [24, 24], { budget: 0 })).toThrow(BudgetError);
  });
});
