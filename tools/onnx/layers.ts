/**
 * Reusable network blocks on top of {@link GraphBuilder}, with weights drawn from a seeded
 * generator: building the same block twice from the same seed gives identical weights, which is
 * how one set of weights ends up in several files (e.g. encoder.onnx and a llava vision_encoder).
 * Only opset-17 primitives are used (no Gelu op, no Split num_outputs).
 */
import { float, type GraphBuilder } from './builder.ts';

/** Deterministic PRNG (mulberry32) with Gaussian draws (Box-Muller). */
export class Rng {
  private state: number;

  /** @param seed any 32-bit integer; equal seeds give equal streams. */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** `n` draws from N(mean, std^2). */
  normal(n: number, std = 1, mean = 0): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const u = 1 - this.next();
      const v = this.next();
      out[i] = mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
    return out;
  }
}

/** x @ W (+ b) with W [inDim, outDim] ~ N(0, gain^2/inDim). */
export function linear(b: GraphBuilder, rng: Rng, x: string, inDim: number, outDim: number, name: string, bias = true, gain = 1): string {
  const w = b.weight(`${name}.weight`, rng.normal(inDim * outDim, gain / Math.sqrt(inDim)), [inDim, outDim]);
  const y = b.op('MatMul', [x, w]);
  return bias ? b.op('Add', [y, b.weight(`${name}.bias`, rng.normal(outDim, 0.02), [outDim])]) : y;
}

/** LayerNormalization over the last axis, with slightly perturbed affine parameters. */
export function layerNorm(b: GraphBuilder, rng: Rng, x: string, dim: number, name: string): string {
  const gamma = b.weight(`${name}.weight`, rng.normal(dim, 0.05, 1), [dim]);
  const beta = b.weight(`${name}.bias`, rng.normal(dim, 0.02), [dim]);
  return b.op('LayerNormalization', [x, gamma, beta], { axis: -1, epsilon: float(1e-5) });
}

/** Llama-style RMSNorm over the last axis: x / sqrt(mean(x^2) + eps) * w. */
export function rmsNorm(b: GraphBuilder, rng: Rng, x: string, dim: number, name: string): string {
  const ms = b.op('ReduceMean', [b.op('Mul', [x, x])], { axes: [-1], keepdims: 1 });
  const inv = b.op('Reciprocal', [b.op('Sqrt', [b.op('Add', [ms, b.f32([1e-6], [])])])]);
  return b.op('Mul', [b.op('Mul', [x, inv]), b.weight(`${name}.weight`, rng.normal(dim, 0.05, 1), [dim])]);
}

/** GELU, tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
export function gelu(b: GraphBuilder, x: string): string {
  const x3 = b.op('Mul', [b.op('Mul', [x, x]), x]);
  const inner = b.op('Mul', [b.op('Add', [x, b.op('Mul', [x3, b.f32([0.044715], [])])]), b.f32([Math.sqrt(2 / Math.PI)], [])]);
  const t = b.op('Add', [b.op('Tanh', [inner]), b.f32([1], [])]);
  return b.op('Mul', [b.op('Mul', [x, t]), b.f32([0.5], [])]);
}

/** SiLU: x * sigmoid(x). */
export function silu(b: GraphBuilder, x: string): string {
  return b.op('Mul', [x, b.op('Sigmoid', [x])]);
}

/** Softmax(q k^T * scale + bias) v for tensors already split into heads ([..., T, d]). */
export function scaledDotAttention(b: GraphBuilder, q: string, k: string, v: string, headDim: number, bias?: string, rank = 4): string {
  const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
  let scores = b.op('Mul', [b.op('MatMul', [q, b.op('Transpose', [k], { perm })]), b.f32([1 / Math.sqrt(headDim)], [])]);
  if (bias) scores = b.op('Add', [scores, bias]);
  return b.op('MatMul', [b.op('Softmax', [scores], { axis: -1 }), v]);
}

/** Unmasked multi-head self-attention over [B, T, dim] (ViT style), with output projection. */
export function selfAttention(b: GraphBuilder, rng: Rng, x: string, dim: number, heads: number, name: string): string {
  const hd = dim / heads;
  const split = (t: string) => b.op('Transpose', [b.op('Reshape', [t, b.i64([0, 0, heads, hd])])], { perm: [0, 2, 1, 3] });
  const q = split(linear(b, rng, x, dim, dim, `${name}.q_proj`));
  const k = split(linear(b, rng, x, dim, dim, `${name}.k_proj`));
  const v = split(linear(b, rng, x, dim, dim, `${name}.v_proj`));
  const ctx = b.op('Transpose', [scaledDotAttention(b, q, k, v, hd)], { perm: [0, 2, 1, 3] });
  return linear(b, rng, b.op('Reshape', [ctx, b.i64([0, 0, dim])]), dim, dim, `${name}.out_proj`);
}

/** Two-layer MLP with GELU between: [.., inDim] -> [.., outDim]. */
export function mlp(b: GraphBuilder, rng: Rng, x: string, inDim: number, hidden: number, outDim: number, name: string): string {
  return linear(b, rng, gelu(b, linear(b, rng, x, inDim, hidden, `${name}.fc1`)), hidden, outDim, `${name}.fc2`);
}

/** A `[d0, ...rest]` shape tensor whose first entries copy `x`'s leading `lead` dims (for Expand/Reshape with dynamic axes). */
export function leadingShape(b: GraphBuilder, x: string, lead: number, rest: number[]): string {
  const head = b.op('Slice', [b.op('Shape', [x]), b.i64([0]), b.i64([lead])]);
  return b.op('Concat', [head, b.i64(rest)], { axis: 0 });
}

/**
 * Non-overlapping patches of an image [B, 3, side, side] as rows [B, (side/p)^2, 3*p*p], ordered
 * (channel, y, x) like a Conv weight. Patch embedding as Reshape/Transpose/MatMul instead of a
 * strided Conv: the same function, ~30x faster on SwiftShader's WebGPU.
 */
export function patchify(b: GraphBuilder, pixels: string, side: number, p: number): string {
  const g = side / p;
  const blocks = b.op('Reshape', [pixels, b.i64([0, 3, g, p, g, p])]);
  return b.op('Reshape', [b.op('Transpose', [blocks], { perm: [0, 2, 4, 1, 3, 5] }), b.i64([0, g * g, 3 * p * p])]);
}

/**
 * 2x upsampling of a channels-last map [N, g, g, inC] -> [N, 2g, 2g, outC]: a stride-2, kernel-2
 * transposed convolution written as MatMul + pixel shuffle (plain Reshape/Transpose).
 */
export function upsample2x(b: GraphBuilder, rng: Rng, x: string, inC: number, outC: number, g: number, name: string): string {
  const w = b.weight(`${name}.weight`, rng.normal(inC * outC * 4, 1 / Math.sqrt(inC)), [inC, outC * 4]);
  const blocks = b.op('Reshape', [b.op('MatMul', [x, w]), b.i64([-1, g, g, outC, 2, 2])]);
  return b.op('Reshape', [b.op('Transpose', [blocks], { perm: [0, 1, 4, 2, 5, 3] }), b.i64([-1, 2 * g, 2 * g, outC])]);
}
