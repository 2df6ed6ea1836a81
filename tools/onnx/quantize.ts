/**
 * Weight quantization of MatMul (and embedding Gather) weights, written as the tools behind
 * published transformers.js repos write them:
 * - {@link quantizeDynamic8}: onnxruntime's quantize_dynamic (`_quantized`, `_int8`, `_uint8` files):
 *   DynamicQuantizeLinear on the activation, MatMulInteger, Cast, and a Mul by both scales; embedding
 *   tables become 8-bit with a DequantizeLinear after the Gather. Per-tensor scales.
 * - {@link quantizeMatMul4}: onnxruntime's MatMul4BitsQuantizer (`_q4`, and `_q4f16` on a float16
 *   model): com.microsoft MatMulNBits with symmetric 4-bit blocks of 32 along K.
 * Only weights that are initializers are touched; activation x activation MatMuls stay as they are.
 */
import { decodeModel, dimsOf, ElemType, encodeModel, floatData, fromHalfBits, type Model, type Node, rawBytes, type Tensor, tensor, toHalfBits, useOpset } from './proto.ts';

/** 8-bit weight type: int8 symmetric (zero point 0) or uint8 asymmetric. */
export type Weight8 = 'int8' | 'uint8';

interface Quantized8 {
  data: Int8Array | Uint8Array;
  scale: number;
  zeroPoint: number;
}

/** Per-tensor 8-bit quantization (onnxruntime's quantize_data). Plain loops: real-size weights have 10^8 values. */
function quantize8(values: Float32Array, type: Weight8): Quantized8 {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const signed = type === 'int8';
  const scale = (signed ? Math.max(-lo, hi) / 127 : (hi - lo) / 255) || 1;
  const zeroPoint = signed ? 0 : Math.max(0, Math.min(255, Math.round(-lo / scale)));
  const [qmin, qmax] = signed ? [-127, 127] : [0, 255];
  const data = signed ? new Int8Array(values.length) : new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const q = Math.round((values[i] as number) / scale) + zeroPoint;
    data[i] = q < qmin ? qmin : q > qmax ? qmax : q;
  }
  return { data, scale, zeroPoint };
}

interface Rewriter {
  model: Model;
  initializers: Map<string, Tensor>;
  /** Initializers still referenced after the rewrite (the replaced float weights are dropped). */
  drop: Set<string>;
}

function rewriter(bytes: Uint8Array): Rewriter {
  const model = decodeModel(bytes);
  return { model, initializers: new Map((model.graph?.initializer ?? []).map((t) => [t.name as string, t])), drop: new Set() };
}

function finish(r: Rewriter, nodes: Node[], added: Tensor[]): Uint8Array {
  const graph = r.model.graph as NonNullable<Model['graph']>;
  graph.node = nodes;
  graph.initializer = [...(graph.initializer ?? []).filter((t) => !r.drop.has(t.name as string)), ...added];
  return encodeModel(r.model);
}

/** A float32 weight initializer of `rank` dims used as `node`'s input `index`, if there is one. */
function floatWeight(r: Rewriter, node: Node, index: number, rank: number): Tensor | undefined {
  const t = r.initializers.get(node.input?.[index] ?? '');
  return t && t.dataType === ElemType.float32 && dimsOf(t).length === rank ? t : undefined;
}

/** onnxruntime quantize_dynamic: MatMul -> DynamicQuantizeLinear + MatMulInteger, embedding Gather -> 8-bit Gather + DequantizeLinear. */
export function quantizeDynamic8(bytes: Uint8Array, type: Weight8): Uint8Array {
  const r = rewriter(bytes);
  const nodes: Node[] = [];
  const added: Tensor[] = [];
  const elem = type === 'int8' ? ElemType.int8 : ElemType.uint8;
  const addQuantized = (w: Tensor) => {
    const name = w.name as string;
    if (r.drop.has(name)) return name; // shared weight: quantized once
    const q = quantize8(floatData(w), type);
    const zp = type === 'int8' ? Int8Array.of(q.zeroPoint) : Uint8Array.of(q.zeroPoint);
    added.push(tensor(`${name}_quantized`, elem, dimsOf(w), q.data), tensor(`${name}_scale`, ElemType.float32, [], Float32Array.of(q.scale)), tensor(`${name}_zero_point`, elem, [], zp));
    r.drop.add(name);
    return name;
  };
  for (const node of r.model.graph?.node ?? []) {
    const [a, b] = node.input ?? [];
    const out = node.output?.[0] as string;
    const matmulWeight = node.opType === 'MatMul' ? floatWeight(r, node, 1, 2) : undefined;
    const gatherTable = node.opType === 'Gather' ? floatWeight(r, node, 0, 2) : undefined;
    if (matmulWeight && a) {
      const w = addQuantized(matmulWeight);
      const x = `${a}_${out}`;
      nodes.push(
        { opType: 'DynamicQuantizeLinear', input: [a], output: [`${x}_quantized`, `${x}_scale`, `${x}_zero_point`], name: `${out}_QuantizeLinear` },
        { opType: 'MatMulInteger', input: [`${x}_quantized`, `${w}_quantized`, `${x}_zero_point`, `${w}_zero_point`], output: [`${out}_output_quantized`], name: `${out}_MatMulInteger` },
        { opType: 'Cast', input: [`${out}_output_quantized`], output: [`${out}_output_quantized_cast_output`], name: `${out}_cast`, attribute: [{ name: 'to', type: 2, i: ElemType.float32 }] },
        { opType: 'Mul', input: [`${x}_scale`, `${w}_scale`], output: [`${out}_scales_mul`], name: `${out}_scales_mul` },
        { opType: 'Mul', input: [`${out}_output_quantized_cast_output`, `${out}_scales_mul`], output: [out], name: `${out}_output_scale_mul` },
      );
    } else if (gatherTable && b) {
      const w = addQuantized(gatherTable);
      nodes.push(
        { ...node, input: [`${w}_quantized`, b], output: [`${out}_quantized`] },
        { opType: 'DequantizeLinear', input: [`${out}_quantized`, `${w}_scale`, `${w}_zero_point`], output: [out], name: `${out}_DequantizeLinear` },
      );
    } else nodes.push(node);
  }
  return finish(r, nodes, added);
}

/** Options of {@link quantizeMatMul4}. */
export interface Quantize4Options {
  /**
   * Block size along K (a power of two >= 16).
   * @defaultValue 32
   */
  blockSize?: number;
}

/** Symmetric 4-bit blocks of W [K, N] laid out as MatMulNBits wants: B [N, blocks, blockSize/2] bytes, scales [N * blocks]. */
function quantize4(w: Float32Array, k: number, n: number, blockSize: number): { packed: Uint8Array; scales: Float32Array; blocks: number } {
  const blocks = Math.ceil(k / blockSize);
  const blob = blockSize / 2;
  const packed = new Uint8Array(n * blocks * blob);
  const scales = new Float32Array(n * blocks);
  for (let col = 0; col < n; col++) {
    for (let blk = 0; blk < blocks; blk++) {
      // MlasQuantizeBlockwise (symmetric): the value of largest magnitude maps to -8, zero point 8.
      let vmax = 0;
      for (let j = 0; j < blockSize && blk * blockSize + j < k; j++) {
        const v = w[(blk * blockSize + j) * n + col] as number;
        if (Math.abs(v) > Math.abs(vmax)) vmax = v;
      }
      const scale = vmax / -8;
      const inv = scale === 0 ? 0 : 1 / scale;
      scales[col * blocks + blk] = scale;
      for (let j = 0; j < blockSize; j++) {
        const row = blk * blockSize + j;
        const v = row < k ? (w[row * n + col] as number) : 0;
        const q = Math.max(0, Math.min(15, Math.round(v * inv) + 8));
        const at = (col * blocks + blk) * blob + (j >> 1);
        packed[at] = (packed[at] as number) | (j & 1 ? q << 4 : q);
      }
    }
  }
  return { packed, scales, blocks };
}

/** onnxruntime MatMul4BitsQuantizer: MatMul with a float32 or float16 weight -> com.microsoft MatMulNBits (bits 4). */
export function quantizeMatMul4(bytes: Uint8Array, { blockSize = 32 }: Quantize4Options = {}): Uint8Array {
  const r = rewriter(bytes);
  const nodes: Node[] = [];
  const added: Tensor[] = [];
  for (const node of r.model.graph?.node ?? []) {
    const w = node.opType === 'MatMul' ? r.initializers.get(node.input?.[1] ?? '') : undefined;
    const isHalf = w?.dataType === ElemType.float16;
    if (!w || !(isHalf || w.dataType === ElemType.float32) || dimsOf(w).length !== 2) {
      nodes.push(node);
      continue;
    }
    const [k, n] = dimsOf(w) as [number, number];
    const values = isHalf ? Float32Array.from(new Uint16Array(rawBytes(w).buffer), fromHalfBits) : floatData(w);
    const q = quantize4(values, k, n, blockSize);
    const name = w.name as string;
    const scales = isHalf ? Uint16Array.from(q.scales, toHalfBits) : q.scales;
    added.push(tensor(`${name}_Q4`, ElemType.uint8, [n, q.blocks, blockSize / 2], q.packed), tensor(`${name}_scales`, w.dataType as number, [n * q.blocks], scales));
    r.drop.add(name);
    nodes.push({
      opType: 'MatMulNBits',
      domain: 'com.microsoft',
      input: [node.input?.[0] as string, `${name}_Q4`, `${name}_scales`],
      output: node.output,
      name: `${node.name}_Q4`,
      attribute: [
        { name: 'K', type: 2, i: k },
        { name: 'N', type: 2, i: n },
        { name: 'bits', type: 2, i: 4 },
        { name: 'block_size', type: 2, i: blockSize },
      ],
    });
  }
  useOpset(r.model, 'com.microsoft', 1);
  return finish(r, nodes, added);
}
