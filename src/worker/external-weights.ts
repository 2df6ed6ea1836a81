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

/** Initializers smaller than this stay inline: moving them saves nothing worth a lookup. */
const MIN_EXTERNAL_BYTES = 1024;

/** A protobuf field: its number, wire type, and where its tag, value and end lie in the buffer. */
interface Field {
  num: number;
  wire: number;
  start: number;
  value: number;
  end: number;
}

function readVarint(b: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = at; i < b.length && i < at + 10; i++) {
    const byte = b[i]!;
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if (byte < 0x80) return { value, next: i + 1 };
  }
  throw new Error('malformed protobuf varint');
}

function* fields(b: Uint8Array, start: number, end: number): Generator<Field> {
  let at = start;
  while (at < end) {
    const tag = readVarint(b, at);
    const num = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    let value = tag.next;
    let next: number;
    if (wire === 0) next = readVarint(b, value).next;
    else if (wire === 1) next = value + 8;
    else if (wire === 5) next = value + 4;
    else if (wire === 2) {
      const len = readVarint(b, value);
      value = len.next;
      next = len.next + len.value;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
    if (next > end) throw new Error('truncated protobuf field');
    yield { num, wire, start: at, value, end: next };
    at = next;
  }
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

const encoder = new TextEncoder();

/** A length-delimited field made of `parts`. */
function message(num: number, parts: Uint8Array[]): Uint8Array[] {
  const length = parts.reduce((n, p) => n + p.length, 0);
  return [Uint8Array.from([...varint(num * 8 + 2), ...varint(length)]), ...parts];
}

function entry(key: string, value: string): Uint8Array[] {
  return message(13, [...message(1, [encoder.encode(key)]), ...message(2, [encoder.encode(value)])]);
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
  return { parts: message(5, [...kept, ...external, Uint8Array.of(14 * 8, 1)]), moved: true };
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
  if (!moved) return undefined;
  const bytes = new Uint8Array(out.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of out) {
    bytes.set(p, at);
    at += p.length;
  }
  return bytes;
}
