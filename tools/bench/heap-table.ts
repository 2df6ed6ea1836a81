/** The tables of `npm run bench:ort-heap` and the docs/BENCHMARKS.md section that keeps one per label. */

import type { WasmMemoryLayout } from './wasm-memory-layout.ts';

/** One model's readings: after load, after the first encode, after the answers. */
export interface HeapRow {
  model: string;
  /** Bytes of the model files loaded. */
  files: number;
  /** ORT's wasm heap when created, before any model (its initial memory), bytes. */
  start: number;
  /** ORT's wasm heap (WebAssembly.Memory byteLength), bytes. */
  heap: [number, number, number];
  /** Renderer (page + worker) proportional set size, bytes. */
  pss: [number, number, number];
}

/** What a table's header says about its run. */
export interface HeapRun {
  label: string;
  date: string;
  machine: string;
  commit: string;
  /** ORT's wasm binary (file name) and the memory it fixes before any model. */
  runtime: { file: string; layout: WasmMemoryLayout };
}

const mib = (b: number) => (b / 2 ** 20).toFixed(1);

/** A `### label` block: the run, then one row per model. */
export function heapTable(rows: HeapRow[], answers: number, run: HeapRun): string {
  const ratio = (b: number, files: number) => `${(b / files).toFixed(2)}x`;
  const min = run.runtime.layout.minBytes;
  return [
    `### ${run.label}`,
    '',
    `Measured ${run.date} UTC at ${run.commit}; ${run.machine}; WASM, 2 threads; ${answers} answers of 8 tokens at budget 57.`,
    '',
    `ORT's wasm (${run.runtime.file}) declares ${mib(min)} MiB as the least memory it accepts (read from the binary; its static data and main stack fill the first ${mib(run.runtime.layout.stackTop)} MiB): no ORT heap is smaller, so a heap within 1.5x of the files is out of reach for files under ${mib(min / 1.5)} MiB.`,
    '',
    `| model | files MiB | heap after load MiB (x files) | ORT's initial heap MiB (x files) | growth by the model (x files) | after first encode | after ${answers} answers | page + worker PSS after load MiB | after first encode | after ${answers} answers |`,
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.model} | ${mib(r.files)} | ${mib(r.heap[0])} (${ratio(r.heap[0], r.files)}) | ${mib(r.start)} (${ratio(r.start, r.files)}) | ${mib(r.heap[0] - r.start)} (${ratio(r.heap[0] - r.start, r.files)}) | ${mib(r.heap[1])} (${ratio(r.heap[1], r.files)}) | ${mib(r.heap[2])} (${ratio(r.heap[2], r.files)}) | ${r.pss.map(mib).join(' | ')} |`,
    ),
  ].join('\n');
}

const INTRO = [
  '## ORT heap against the model files',
  '',
  "Produced by `npm run bench:ort-heap -- --label LABEL --write`: the inference worker's onnxruntime-web wasm heap (WebAssembly.Memory byteLength, which never shrinks: the high-water mark) and the renderer's proportional set size (page + worker, the heap included, read after a GC of both), in a fresh headless Chromium per model. One table per label; each says what it measured.",
].join('\n');

/** The section body with `table` under `label`, replacing that label's table and keeping the others. */
export function mergeHeapTables(section: string, label: string, table: string): string {
  const blocks = section
    .split(/^(?=### )/m)
    .slice(1)
    .map((b) => b.replace(/\n<!--[^]*$/, '').trimEnd());
  const at = blocks.findIndex((b) => b.startsWith(`### ${label}\n`));
  if (at >= 0) blocks[at] = table;
  else blocks.push(table);
  return [INTRO, ...blocks].join('\n\n');
}
