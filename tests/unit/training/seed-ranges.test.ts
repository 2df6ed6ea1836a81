/**
 * Leakage guard for the ShapesWorld recipe: every stage (encoder, segmenter, LLM feature bank, AMG
 * threshold search, evaluation set, demo samples) draws its scenes from its own seed range
 * (training/seeds.py), the ranges are disjoint, and no scene is generated from any other seed.
 * The shipped evaluation sets must lie in their evaluation ranges only.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');

/** The ranges as training/seeds.py declares them, read by Python itself. */
function ranges(): Record<string, [number, number]> {
  const out = execFileSync('python3', ['-c', 'import json; from training.seeds import RANGES; print(json.dumps(RANGES))'], { cwd: root, encoding: 'utf8' });
  return JSON.parse(out) as Record<string, [number, number]>;
}

describe('ShapesWorld seed ranges', () => {
  it('are disjoint and every generate_scene call draws from scene_seed (python3 -m training.seeds)', () => {
    const out = execFileSync('python3', ['-m', 'training.seeds'], { cwd: root, encoding: 'utf8' });
    expect(out).toMatch(/seed ranges disjoint/);
  });

  it('keep the AMG search, the evaluation set and the samples apart from each other and from training', () => {
    const r = ranges();
    for (const stage of ['encoder', 'segmenter', 'llm', 'amg', 'eval', 'eval-crowded', 'samples']) expect(r[stage], stage).toBeDefined();
    const spans = Object.entries(r).sort((a, b) => a[1][0] - b[1][0]);
    for (let i = 1; i < spans.length; i++) {
      const [prev, [first, size]] = spans[i - 1]!;
      expect(first + size, `${prev} ends before ${spans[i]![0]} starts`).toBeLessThanOrEqual(spans[i]![1][0]);
    }
  });

  it.each([
    ['shapesworld', 'eval'],
    ['shapesworld-crowded', 'eval-crowded'],
  ])('hold every scene of the shipped evaluation set public/eval/%s in its range %s', (folder, stage) => {
    const [first, size] = ranges()[stage]!;
    const file = JSON.parse(readFileSync(resolve(root, `public/eval/${folder}/questions.json`), 'utf8')) as { questions: Array<{ seed: number }> };
    expect(file.questions.length).toBeGreaterThan(0);
    for (const q of file.questions) expect(q.seed >= first && q.seed < first + size, `seed ${q.seed}`).toBe(true);
  });
});
