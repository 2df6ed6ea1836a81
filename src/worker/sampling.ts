/** Next-token selection: greedy, or temperature + nucleus (top-p) sampling with a seedable RNG. */
import { InvalidArgumentError } from '../errors.ts';
import { type Random, argmax } from '../numeric.ts';

/** How the next token is picked from the logits. */
export interface SamplingOptions {
  /** 0 picks the most likely token (greedy); > 0 samples from softmax(logits / temperature). */
  temperature: number;
  /** Nucleus sampling: sample only among the most likely tokens whose probabilities sum to topP. */
  topP: number;
}


/** Throws InvalidArgumentError unless temperature >= 0 and 0 < topP <= 1. */
export function checkSampling(opts: SamplingOptions): void {
  if (!(opts.temperature >= 0) || !Number.isFinite(opts.temperature)) {
    throw new InvalidArgumentError(`temperature must be a number >= 0, got ${String(opts.temperature)}; pass 0 for greedy decoding`, {
      temperature: opts.temperature,
    });
  }
  if (!(opts.topP > 0 && opts.topP <= 1)) {
    throw new InvalidArgumentError(`topP must be in (0, 1], got ${String(opts.topP)}; pass 1 to disable nucleus sampling`, { topP: opts.topP });
  }
}

/**
 * Picks the next token. Greedy when temperature is 0; otherwise softmax(logits / temperature),
 * restricted to the smallest set of most likely tokens whose mass reaches topP, then sampled.
 */
export function sampleToken(logits: ArrayLike<number>, opts: SamplingOptions, random: Random): number {
  if (opts.temperature === 0) return argmax(logits);
  const n = logits.length;
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[i]!);
  const probs = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.exp((logits[i]! - max) / opts.temperature);
    probs[i] = p;
    sum += p;
  }
  let candidates: number[];
  if (opts.topP < 1) {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => probs[b]! - probs[a]! || a - b);
    candidates = [];
    let mass = 0;
    for (const i of order) {
      candidates.push(i);
      mass += probs[i]! / sum;
      if (mass >= opts.topP) break;
    }
  } else {
    candidates = Array.from({ length: n }, (_, i) => i);
  }
  let kept = 0;
  for (const i of candidates) kept += probs[i]!;
  let u = random() * kept;
  for (const i of candidates) {
    u -= probs[i]!;
    if (u < 0) return i;
  }
  return candidates[candidates.length - 1]!;
}
