import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.ts';
import { argmax, seededRandom } from '../../../src/numeric.ts';
import { checkSampling, sampleToken } from '../../../src/worker/sampling.ts';

const logits = Float32Array.from([0.5, 2, 1, 2, -1]);

describe('sampling', () => {
  it('greedy picks the largest logit, the lowest index on ties', () => {
    expect(argmax(logits)).toBe(1);
    expect(sampleToken(logits, { temperature: 0, topP: 1 }, () => 0.99)).toBe(1);
  });

  it('a seed reproduces the same draws; different seeds differ', () => {
    const draw = (seed: number) => {
      const rng = seededRandom(seed);
      return Array.from({ length: 50 }, () => sampleToken(logits, { temperature: 1, topP: 1 }, rng));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('draws follow softmax(logits / temperature)', () => {
    const rng = seededRandom(1);
    const counts = new Array<number>(logits.length).fill(0);
    const n = 20000;
    for (let i = 0; i < n; i++) counts[sampleToken(logits, { temperature: 0.7, topP: 1 }, rng)]!++;
    const exps = Array.from(logits, (l) => Math.exp(l / 0.7));
    const z = exps.reduce((a, b) => a + b, 0);
    exps.forEach((e, i) => expect(Math.abs(counts[i]! / n - e / z)).toBeLessThan(0.015));
  });

  it('top-p keeps only the smallest set of likely tokens reaching the mass', () => {
    // softmax at T=1: tokens 1 and 3 hold ~0.66 together, token 2 ~0.13 more.
    const rng = seededRandom(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(sampleToken(logits, { temperature: 1, topP: 0.6 }, rng));
    expect([...seen].sort()).toEqual([1, 3]);
  });

  it('rejects a negative temperature and topP outside (0, 1]', () => {
    expect(() => checkSampling({ temperature: -1, topP: 1 })).toThrow(InvalidArgumentError);
    expect(() => checkSampling({ temperature: 1, topP: 0 })).toThrow(InvalidArgumentError);
    expect(() => checkSampling({ temperature: 1, topP: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => checkSampling({ temperature: 0, topP: 1 })).not.toThrow();
  });
});
