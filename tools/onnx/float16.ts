/**
 * float32 -> float16 conversion of a whole model, as onnxconverter-common's
 * convert_float_to_float16 writes the `_fp16` files of published repos: every float initializer
 * becomes float16 (clamped to the half range) and Casts to float become Casts to float16.
 * With `keepIoTypes` the graph's float inputs/outputs stay float32 behind Cast nodes; without it
 * they become float16 too (what onnx-community's fp16 LLM exports do: float16 inputs_embeds,
 * logits and KV cache).
 */
import { decodeModel, ElemType, encodeModel, floatData, type Node, toHalfArray } from './proto.ts';

/** Options of {@link toFloat16}. */
export interface Float16Options {
  /**
   * Keep float32 graph inputs and outputs (Cast nodes at the boundary).
   * @defaultValue false
   */
  keepIoTypes?: boolean;
}

/** Converts model bytes to float16 weights and activations. */
export function toFloat16(bytes: Uint8Array, { keepIoTypes = false }: Float16Options = {}): Uint8Array {
  const model = decodeModel(bytes);
  const graph = model.graph;
  if (!graph?.node || !graph.initializer || !graph.input || !graph.output) throw new Error('model has no graph');
  const nodes = graph.node;
  for (const t of graph.initializer) {
    if (t.dataType !== ElemType.float32) continue;
    const half = toHalfArray(floatData(t));
    t.dataType = ElemType.float16;
    t.rawData = new Uint8Array(half.buffer);
  }
  for (const node of nodes) {
    if (node.opType !== 'Cast') continue;
    for (const a of node.attribute ?? []) if (a.name === 'to' && Number(a.i) === ElemType.float32) a.i = ElemType.float16;
  }
  const isFloat = (v: { type?: { tensorType?: { elemType?: number | null } | null } | null }) => v.type?.tensorType?.elemType === ElemType.float32;
  const setHalf = (v: { type?: { tensorType?: { elemType?: number | null } | null } | null }) => {
    if (v.type?.tensorType) v.type.tensorType.elemType = ElemType.float16;
  };
  const rename = (from: string, to: string, nodes: Node[]) => {
    for (const n of nodes) n.input = (n.input ?? []).map((i) => (i === from ? to : i));
  };
  const before: Node[] = [];
  const after: Node[] = [];
  for (const input of graph.input.filter(isFloat)) {
    if (!keepIoTypes) {
      setHalf(input);
      continue;
    }
    const name = input.name as string;
    rename(name, `${name}_fp16`, nodes);
    before.push(cast(name, `${name}_fp16`, ElemType.float16));
  }
  for (const output of graph.output.filter(isFloat)) {
    if (!keepIoTypes) {
      setHalf(output);
      continue;
    }
    const name = output.name as string;
    for (const n of nodes) n.output = (n.output ?? []).map((o) => (o === name ? `${name}_fp16` : o));
    rename(name, `${name}_fp16`, nodes);
    after.push(cast(`${name}_fp16`, name, ElemType.float32));
  }
  graph.node = [...before, ...nodes, ...after];
  return encodeModel(model);
}

function cast(input: string, output: string, to: number): Node {
  return { opType: 'Cast', input: [input], output: [output], name: `${output}_cast`, attribute: [{ name: 'to', type: 2, i: to }] };
}
