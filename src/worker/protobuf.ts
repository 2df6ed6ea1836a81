/**
 * The few pieces of protobuf's wire format that reading and writing ONNX models here needs:
 * walking a message's fields, and writing varint and length-delimited fields.
 */

/** A protobuf field: its number, wire type, and where its tag, value and end lie in the buffer. */
export interface Field {
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

/** The fields of the message in `b[start, end)`, in order. */
export function* fields(b: Uint8Array, start: number, end: number): Generator<Field> {
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

const utf8 = new TextEncoder();

/** A varint field. */
export function integer(num: number, n: number): Uint8Array[] {
  return [Uint8Array.from([...varint(num * 8), ...varint(n)])];
}

/** A length-delimited field made of `parts`. */
export function message(num: number, parts: Uint8Array[]): Uint8Array[] {
  const length = parts.reduce((n, p) => n + p.length, 0);
  return [Uint8Array.from([...varint(num * 8 + 2), ...varint(length)]), ...parts];
}

/** A string field. */
export function text(num: number, s: string): Uint8Array[] {
  return message(num, [utf8.encode(s)]);
}

/** `parts` in one buffer. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return bytes;
}
