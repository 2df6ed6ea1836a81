/**
 * The TypeScript core against tests/fixtures/composition-vectors.json, written by the Python
 * training recipe (training/make_assets.py) from its own implementation of docs/composition.md:
 * if either side drifts from the spec, this fails.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EmptyMaskError } from '../../../src/errors.ts';
import { type BitMask, maskFromBits } from '../../../src/masks/bitmask.ts';
import { maskCoverage } from '../../../src/masks/coverage.ts';
import { pruneMasks } from '../../../src/masks/prune.ts';
import { TokenKind, composeVisualTokens } from '../../../src/tokens/layout.ts';
import type { NormScaleMode } from '../../../src/tokens/norm-scale.ts';
import { type ObjectPositionMode, objectPositionEmbedding } from '../../../src/tokens/object-position.ts';
import { type PlanPolicy, planImage, planTokens } from '../../../src/tokens/plan.ts';
import { poolMask } from '../../../src/tokens/pool-mask.ts';

interface Split {
  cls: 0 | 1;
  grid: [number, number];
  objects: number;
}
interface Case {
  name: string;
  grid: [number, number];
  hiddenSize: number;
  maskResolution: number;
  hidden: number[];
  masks: number[][];
  coverage: number[][];
  /** null for an empty mask, which has no object token (EmptyMaskError). */
  objectTokens: Array<number[] | null>;
  /** The box-sincos embedding of each mask; null for an empty mask. */
  objectPositions: Array<number[] | null>;
  scores: number[];
  prune: { iouThreshold: number; maxCount: number };
  kept: number[];
  plans: Array<{
    budget: number;
    policy: PlanPolicy;
    normScale: NormScaleMode;
    objectPosition: ObjectPositionMode;
    plan: Split;
    tokens: number[];
    kinds: Array<keyof typeof TokenKind>;
  }>;
}
interface Vectors {
  format: string;
  cases: Case[];
  planTable: Array<{ budget: number; k: number; grid: [number, number]; policy: PlanPolicy; plan: Split }>;
}

const vectors = JSON.parse(readFileSync(new URL('../../fixtures/composition-vectors.json', import.meta.url), 'utf8')) as Vectors;

/** The file's tolerance: 1e-4 relative to 1 + |expected|. */
function expectClose(got: ArrayLike<number>, expected: readonly number[], what: string): void {
  expect(got.length, what).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!) / (1 + Math.abs(expected[i]!)));
  expect(worst, what).toBeLessThan(1e-4);
}

describe('composition vectors from the Python recipe', () => {
  it('has cases to check', () => {
    expect(vectors.cases.length).toBeGreaterThan(0);
    expect(vectors.planTable.length).toBeGreaterThan(0);
  });

  it.each(vectors.planTable.map((row) => [`budget ${row.budget}, K ${row.k}, ${row.policy}`, row] as const))('planTokens: %s', (_, row) => {
    const split = planTokens({ budget: row.budget, availableMasks: row.k, grid: row.grid, policy: row.policy });
    expect({ cls: split.cls, grid: split.grid, objects: split.objects }).toEqual(row.plan);
  });

  describe.each(vectors.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const [gh, gw] = c.grid;
    const dim = c.hiddenSize;
    const hidden = Float32Array.from(c.hidden);
    const patches = hidden.subarray(dim);
    const masks: BitMask[] = c.masks.map((words, k) => maskFromBits(Uint32Array.from(words), c.maskResolution, c.scores[k]!));

    it('maskCoverage and poolMask give the coverage and object tokens', () => {
      masks.forEach((mask, k) => {
        const coverage = maskCoverage(mask, gh, gw);
        expectClose(coverage, c.coverage[k]!, `coverage of mask ${k}`);
        const expected = c.objectTokens[k];
        if (expected === null) expect(() => poolMask(patches, coverage, dim)).toThrow(EmptyMaskError);
        else expectClose(poolMask(patches, coverage, dim), expected!, `object token of mask ${k}`);
      });
    });

    it('objectPositionEmbedding gives the object position embeddings', () => {
      masks.forEach((mask, k) => {
        const expected = c.objectPositions[k];
        if (expected === null) expect(() => objectPositionEmbedding(mask, dim)).toThrow(EmptyMaskError);
        else expectClose(objectPositionEmbedding(mask, dim), expected!, `position of mask ${k}`);
      });
    });

    it('pruneMasks keeps the same masks in the same order', () => {
      expect(pruneMasks(masks, c.prune).kept).toEqual(c.kept);
    });

    it.each(c.plans.map((p) => [`budget ${p.budget}, ${p.policy}, ${p.normScale}, ${p.objectPosition}`, p] as const))(
      'planImage + composeVisualTokens: %s',
      (_, p) => {
        const plan = planImage(masks, c.grid, { budget: p.budget, policy: p.policy, ...c.prune });
        expect({ cls: plan.cls, grid: plan.grid, objects: plan.objects }).toEqual(p.plan);
        expect(plan.maskIds).toEqual(c.kept.slice(0, p.plan.objects));
        const { tokens, kinds } = composeVisualTokens(hidden, c.grid, dim, masks, plan, p.normScale, p.objectPosition);
        expect(Array.from(kinds)).toEqual(p.kinds.map((k) => TokenKind[k]));
        expectClose(tokens, p.tokens, 'tokens');
      },
    );
  });
});
