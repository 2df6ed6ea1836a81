/**
 * Turns an ONNX model's large initializers into external data that points back into the model's
 * own bytes. ORT copies a model given as bytes into its wasm heap and parses it there, so each
 * weight sat in the heap three times during session creation (the bytes, the parsed protobuf, the
 * tensor), and wasm memory never shrinks. With this rewrite the heap receives only the graph;
 * ORT copies each weight once, straight from the JS bytes into its tensor. The weights are the same
 * bytes, so results are identical. Only the main graph's `raw_data` initializers move (field
 * numbers from onnx.proto: ModelProto.graph 7, GraphProto.initializer 5, TensorProto.raw_data 9,
 * external_data 13, data_location 14); anything else is copied as it is.
 */
import { type Field, concat, fields, integer, message, text } from './protobuf.ts';

/** Initializers smaller than this stay inline: moving them saves nothing worth a lookup. */
const MIN_EXTERNAL_BYTES = 1024;

function entry(key: string, value: string): Uint8Array[] {
  return message(13, [...text(1, key), ...text(2, value)]);
}

/** One initializer, its raw_data replaced by a reference to `location` when large enough. */
function tensor(b: Uint8Array, f: Field, location: string): { parts: Uint8Array[]; moved: boolean } {
  const inner = [...fields(b, f.value, f.end)];
  const raw = inner.find((t) => t.num === 9 && t.wire === 2);
  if (!raw || raw.end - raw.value < MIN_EXTERNAL_BYTES || inner.some((t) => t.num === 13 || t.num === 14)) {
    return { parts: [b.subarray(f.start, f.end)], moved: false };
  }
  const kept = inner.filter((t) => t !== raw).map((t) => b.subarray(t.start, t.end));
  const external = [...entry('location', location), ...entry('offset', String(raw.value)), ...entry('length', String(raw.end - raw.value))];
  return { parts: message(5, [...kept, ...external, ...integer(14, 1)]), moved: true };
}

/**
 * `model` with its main graph's large initializers stored as external data in the file `location`,
 * which is `model` itself; undefined when no initializer is large enough to move.
 */
export function externalizeWeights(model: Uint8Array, location: string): Uint8Array | undefined {
  const out: Uint8Array[] = [];
  let moved = false;
  for (const f of fields(model, 0, model.length)) {
    if (f.num !== 7 || f.wire !== 2) {
      out.push(model.subarray(f.start, f.end));
      continue;
    }
    const graph: Uint8Array[] = [];
    for (const g of fields(model, f.value, f.end)) {
      if (g.num !== 5 || g.wire !== 2) {
        graph.push(model.subarray(g.start, g.end));
        continue;
      }
      const t = tensor(model, g, location);
      moved ||= t.moved;
      graph.push(...t.parts);
    }
    out.push(...message(7, graph));
  }
  return moved ? concat(out) : undefined;
}
