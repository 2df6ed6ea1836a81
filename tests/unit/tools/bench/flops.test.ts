import onnxProto from 'onnx-proto';
import { expect, test } from 'vitest';
import { kvCacheBytes, prefillFlops } from '../../../../tools/bench/flops.ts';
import { buildDecoder, type DecoderSize } from '../../../../tools/fixtures/decoder.ts';

const size: DecoderSize = { hiddenSize: 48, layers: 3, heads: 4, kvHeads: 2, headDim: 12, intermediateSize: 80, vocabSize: 300, ropeTheta: 10000 };

test('prefill FLOPs = 2 x positions x every MatMul weight of the generated decoder, plus attention', () => {
  // Count the weights the graph really multiplies by, independently of the formula.
  const graph = onnxProto.onnx.ModelProto.decode(buildDecoder(size, 1)).graph!;
  const dims = new Map((graph.initializer ?? []).map((t) => [t.name!, t.dims!.map(Number)]));
  const weights = (graph.node ?? [])
    .filter((n) => n.opType === 'MatMul')
    .map((n) => dims.get(n.input![1]!))
    .filter((d): d is number[] => d !== undefined)
    .reduce((sum, d) => sum + d.reduce((a, b) => a * b, 1), 0);
  expect(weights).toBeGreaterThan(0);
  for (const length of [1, 7, 100]) {
    const attention = 4 * size.layers * size.heads * length * length * size.headDim;
    expect(prefillFlops(size, length)).toBe(2 * length * weights + attention);
  }
});

test('with num_logits_to_keep the LM head counts for the last position only', () => {
  const lmHead = (length: number) => 2 * length * size.hiddenSize * size.vocabSize;
  for (const length of [1, 50]) {
    expect(prefillFlops(size, length) - prefillFlops({ ...size, logitsToKeepInput: true }, length)).toBe(lmHead(length) - lmHead(1));
  }
});

test('KV cache bytes: keys and values, every layer, float32', () => {
  expect(kvCacheBytes(size, 10)).toBe(2 * 3 * 2 * 12 * 10 * 4);
});
