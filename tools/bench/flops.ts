/**
 * Analytic cost of the fixture decoder (tools/fixtures/decoder.ts) for the benchmark's "ideal"
 * speedups and memory figures: multiply-adds counted as 2 FLOPs, matmuls only (norms, RoPE and
 * softmax are lower order), attention over the full L x L score matrix as the graph computes it,
 * and the LM head over every position, or over the last one only when the decoder takes
 * `num_logits_to_keep` (the runtime and transformers.js then pass 1).
 */
import type { DecoderSize } from '../fixtures/decoder.ts';

/** FLOPs of one prefill over `length` positions with an empty cache. */
export function prefillFlops(s: DecoderSize, length: number): number {
  const { hiddenSize: h, heads: nh, kvHeads: kvh, headDim: hd, intermediateSize: ff, vocabSize: v } = s;
  const projections = 2 * length * h * (nh * hd + 2 * kvh * hd) + 2 * length * nh * hd * h;
  const attention = 2 * 2 * nh * length * length * hd; // Q K^T and softmax(.) V
  const mlp = 3 * 2 * length * h * ff;
  const logitPositions = s.logitsToKeepInput ? 1 : length;
  return s.layers * (projections + attention + mlp) + 2 * logitPositions * h * v;
}

/** Bytes of the float32 KV cache after `length` positions: keys and values of every layer. */
export function kvCacheBytes(s: DecoderSize, length: number): number {
  return 2 * s.layers * s.kvHeads * s.headDim * length * 4;
}
