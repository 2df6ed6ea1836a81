import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { wasmMemoryLayout } from '../../../../tools/bench/wasm-memory-layout.ts';

const uleb = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...uleb(Math.floor(n / 128))]);
const sleb = (n: number): number[] => {
  const b = n & 0x7f;
  const rest = n >> 7;
  return (rest === 0 && !(b & 0x40)) || (rest === -1 && b & 0x40) ? [b] : [b | 0x80, ...sleb(rest)];
};
const name = (s: string) => [...uleb(s.length), ...Buffer.from(s)];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

/** A module importing a function, a global and a memory of `minPages`, then defining an immutable i64 and a mutable i32 `stackTop`. */
function module(minPages: number, stackTop: number): Uint8Array<ArrayBuffer> {
  const types = section(1, [1, 0x60, 0, 0]);
  const imports = section(2, [
    3,
    ...name('env'), ...name('f'), 0, 0,
    ...name('env'), ...name('g'), 3, 0x7f, 0,
    ...name('env'), ...name('memory'), 2, 1, ...uleb(minPages), ...uleb(minPages + 10),
  ]);
  const globals = section(6, [2, 0x7e, 0, 0x42, ...sleb(-5), 0x0b, 0x7f, 1, 0x41, ...sleb(stackTop), 0x0b]);
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...types, ...imports, ...globals]);
}

describe('wasmMemoryLayout', () => {
  it('reads the memory import minimum and the stack pointer of a valid module, skipping the other imports and globals', () => {
    const bytes = module(300, 6304704);
    expect(WebAssembly.validate(bytes)).toBe(true);
    expect(wasmMemoryLayout(bytes)).toEqual({ minBytes: 300 * 65536, stackTop: 6304704 });
  });

  it('is the floor instantiation enforces: a memory one page smaller is refused', () => {
    const bytes = module(3, 1000);
    const { minBytes } = wasmMemoryLayout(bytes);
    const imports = (pages: number) => ({ env: { f: () => {}, g: 0, memory: new WebAssembly.Memory({ initial: pages, maximum: 13 }) } });
    expect(() => new WebAssembly.Instance(new WebAssembly.Module(bytes), imports(minBytes / 65536 - 1))).toThrow(WebAssembly.LinkError);
    expect(() => new WebAssembly.Instance(new WebAssembly.Module(bytes), imports(minBytes / 65536))).not.toThrow();
  });

  it('says what is wrong with bytes that are not an Emscripten module', () => {
    expect(() => wasmMemoryLayout(Uint8Array.from([1, 2, 3]))).toThrow(/not a wasm binary/);
    expect(() => wasmMemoryLayout(Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]))).toThrow(/imports no memory/);
  });

  it("reads onnxruntime-web's WASM build: its stack top lies inside its declared minimum", () => {
    const file = createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm');
    const { minBytes, stackTop } = wasmMemoryLayout(readFileSync(file));
    expect(minBytes).toBeGreaterThanOrEqual(65536);
    expect(stackTop).toBeGreaterThan(0);
    expect(stackTop).toBeLessThanOrEqual(minBytes);
  });
});
