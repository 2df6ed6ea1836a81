/**
 * What an Emscripten-built wasm binary fixes about its memory before it allocates anything, read
 * from the binary itself: the minimum size of the memory it imports (instantiation refuses a
 * smaller one, so no page-side option can lower it) and the initial stack pointer (static data and
 * the main thread's stack lie below it; the heap starts above). For onnxruntime-web this is the
 * floor under every "ORT heap after load" reading, whatever the model.
 */

export interface WasmMemoryLayout {
  /** The imported memory's declared minimum, bytes. */
  minBytes: number;
  /** The first mutable i32 global's initial value (Emscripten's __stack_pointer), bytes. */
  stackTop: number;
}

const PAGE = 65536;

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public at = 0,
  ) {}

  byte(): number {
    if (this.at >= this.bytes.length) throw new Error('the wasm binary ends inside a section');
    return this.bytes[this.at++]!;
  }

  /** Unsigned LEB128 (up to 2^53). */
  u(): number {
    let value = 0;
    for (let scale = 1; ; scale *= 128) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
    }
  }

  /** Signed LEB128. */
  s(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) return b & 0x40 ? value - scale : value;
    }
  }

  skip(n: number): void {
    this.at += n;
  }
}

/** Skips a table's or memory's limits and returns the minimum. */
function limitsMin(r: Reader): number {
  const flags = r.byte();
  const min = r.u();
  if (flags & 1) r.u();
  return min;
}

/** Skips a constant expression up to its `end`; returns the value of a lone i32.const, else undefined. */
function constExpr(r: Reader): number | undefined {
  let value: number | undefined;
  let ops = 0;
  for (let op = r.byte(); op !== 0x0b; op = r.byte(), ops++) {
    if (op === 0x41) value = r.s();
    else if (op === 0x42 || op === 0x23 || op === 0xd2) r.s();
    else if (op === 0x43) r.skip(4);
    else if (op === 0x44) r.skip(8);
    else if (op === 0xd0) r.byte();
    else if (op < 0x6a || op > 0x7e) throw new Error(`unexpected opcode 0x${op.toString(16)} in a constant expression`);
  }
  return ops === 1 ? value : undefined;
}

/** The memory import's minimum and the initial stack pointer of `bytes`, a wasm binary. */
export function wasmMemoryLayout(bytes: Uint8Array): WasmMemoryLayout {
  const magic = [0x00, 0x61, 0x73, 0x6d];
  if (bytes.length < 8 || magic.some((b, i) => bytes[i] !== b)) throw new Error('not a wasm binary (no \\0asm header)');
  const r = new Reader(bytes, 8);
  let minPages: number | undefined;
  let stackTop: number | undefined;
  while (r.at < bytes.length) {
    const id = r.byte();
    const end = r.u() + r.at;
    if (id === 2) {
      for (let n = r.u(); n > 0; n--) {
        r.skip(r.u());
        r.skip(r.u());
        const kind = r.byte();
        if (kind === 0) r.u();
        else if (kind === 1) {
          r.byte();
          limitsMin(r);
        } else if (kind === 2) minPages = limitsMin(r);
        else if (kind === 3) r.skip(2);
        else if (kind === 4) {
          r.byte();
          r.u();
        } else throw new Error(`unknown import kind ${kind}`);
      }
    } else if (id === 6) {
      for (let n = r.u(); n > 0 && stackTop === undefined; n--) {
        const type = r.byte();
        const mutable = r.byte() === 1;
        const value = constExpr(r);
        if (type === 0x7f && mutable && value !== undefined) stackTop = value;
      }
    }
    r.at = end;
  }
  if (minPages === undefined) throw new Error('the wasm binary imports no memory (not an Emscripten build with imported memory)');
  if (stackTop === undefined) throw new Error('the wasm binary defines no mutable i32 global (no stack pointer)');
  return { minBytes: minPages * PAGE, stackTop };
}
