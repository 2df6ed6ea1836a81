/**
 * A ShapesWorld LLM run that a machine cannot finish in one sitting (2 CPU cores: hours) is paused
 * with `--until` and continued with `--resume`. The claim the recipe makes is that this ends with
 * the same weights, bit for bit, as an uninterrupted run: the optimiser and every random state
 * travel in the saved state. Checked here on a tiny run (real recipe code, Debian's PyTorch,
 * encoder rebuilt from the shipped package, a 48-scene feature bank).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const out = mkdtempSync(join(tmpdir(), 'sw-resume-'));
const env = { ...process.env, SW_OUT: out };
const run = (...args: string[]): string =>
  execFileSync('/usr/bin/python3', ['-m', 'training.train', ...args], { cwd: root, env, encoding: 'utf8', stdio: 'pipe' });
// Every switch the run state carries: the position pre-phase and its interleaved batches, the
// counting-only batches (with patches and on object tokens alone), the curriculum, side words and
// relation words draw randomness, and the running-count head has weights of its own; the pause at
// step 3 falls after the pre-phase's 2 steps.
const tiny = ['--position-first', '2', '--position-share', '0.5', '--count-share', '0.5', '--count-zero', '0.5', '--count-ground', '0.5', '--count-objects', '0.5', '--steps', '4', '--scenes-per-step', '4', '--questions-per-scene', '3', '--small-first', '3', '--place-words', '--relation-words', '0.5', '--threads', '1'];

/** True when the two checkpoints hold identical projector and LLM weights. */
function sameWeights(a: string, b: string): boolean {
  const code = `import sys, torch
a, b = (torch.load(f'${out}/{n}.pt') for n in sys.argv[1:])
print(all(torch.equal(a[k][n], b[k][n]) for k in ('lm', 'proj') for n in a[k]))`;
  return execFileSync('/usr/bin/python3', ['-c', code, a, b], { encoding: 'utf8' }).trim() === 'True';
}

beforeAll(() => {
  execFileSync('/usr/bin/python3', ['-m', 'training.rebuild'], { cwd: root, env });
  run('features', '--scenes', '48', '--workers', '1');
  run('llm', '--name', 'straight', ...tiny);
}, 120_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('ShapesWorld LLM run, paused and resumed', () => {
  it('ends with the weights of the uninterrupted run', () => {
    expect(run('llm', '--name', 'resumed', ...tiny, '--until', '3')).toMatch(/paused at step 3/);
    expect(run('llm', '--name', 'resumed', ...tiny, '--resume')).toMatch(/resumed resumed at step 3/);
    expect(sameWeights('straight', 'resumed')).toBe(true);
  });

  it('differs when the random state is not carried over (the check can fail)', () => {
    run('llm', '--name', 'reseeded', ...tiny, '--until', '3');
    // The same weights and optimiser, but the batcher's random state rewound to its seed.
    const code = `import torch, numpy as np
p = '${out}/reseeded.state.pt'
st = torch.load(p, weights_only=False)
st['rng']['batcher'] = np.random.default_rng(2).bit_generator.state
torch.save(st, p)`;
    execFileSync('/usr/bin/python3', ['-c', code]);
    run('llm', '--name', 'reseeded', ...tiny, '--resume');
    expect(sameWeights('straight', 'reseeded')).toBe(false);
  });

  it('starts from a finished run with --init (a fine-tune begins at its weights)', () => {
    run('llm', '--name', 'init0', '--init', 'straight', '--steps', '0', '--threads', '1');
    expect(sameWeights('straight', 'init0')).toBe(true);
    run('llm', '--name', 'fresh0', '--steps', '0', '--threads', '1');
    expect(sameWeights('straight', 'fresh0')).toBe(false);
  });

  it('grows a finished run deeper (--depth) without changing what it computes, and trains the new layers', () => {
    run('llm', '--name', 'deep0', '--init', 'straight', '--depth', '6', '--steps', '0', '--threads', '1');
    run('llm', '--name', 'deep2', '--init', 'straight', '--depth', '6', '--steps', '2', '--scenes-per-step', '4', '--threads', '1');
    const code = `import torch
from training.train import load_llm
(a, pa), (b, pb), (c, _) = (load_llm(n) for n in ('straight', 'deep0', 'deep2'))
x = pa(torch.randn(1, 9, 128))
args = (torch.ones(1, 9, dtype=torch.long), torch.arange(9)[None])
with torch.no_grad():
    same = torch.allclose(a(x, *args, a.empty_past(1))[0], b(x, *args, b.empty_past(1))[0], atol=1e-5)
print(a.depth, b.depth, same, float(c.layers[2].o.weight.abs().max()) > 0, float(c.layers[5].mlp[2].weight.abs().max()) > 0)`;
    expect(execFileSync('/usr/bin/python3', ['-c', code], { cwd: root, env, encoding: 'utf8' }).trim()).toBe('4 6 True True True');
    expect(() => run('llm', '--name', 'shallow', '--init', 'deep0', '--steps', '0', '--threads', '1')).toThrow(/cannot hold them/);
  });

  it('refuses to resume a state saved with other switches', () => {
    run('llm', '--name', 'other', ...tiny, '--until', '2');
    expect(() => run('llm', '--name', 'other', ...tiny.filter((a) => a !== '--place-words'), '--resume')).toThrow(/saved by another run/);
  });
});
