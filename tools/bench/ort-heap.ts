/**
 * `npm run bench:ort-heap [-- --answers 100 --label after --write]`: ORT's wasm heap against the
 * model files, on WASM (2 threads) in headless Chromium, for the embedded ShapesWorld model and
 * the benchmark-size package (bench-out/model/, generated on demand): after load, after the first
 * encode (automatic mask generation) and after `--answers` eight-token answers. The heap is the
 * inference worker's WebAssembly.Memory byteLength (tools/pages/wasm-heap-probe.ts; it never
 * shrinks, so it is the high-water mark); page + worker is the renderer's proportional set size
 * (tools/browser/process-memory.ts), read after a GC of both. Each model gets a fresh browser. `--write` puts the table,
 * under `--label`, into docs/BENCHMARKS.md's ORT heap section, keeping the other labels' tables.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser } from '@playwright/test';
import { machineInfo, machineLine } from '../browser/machine.ts';
import { readProcessMemory } from '../browser/process-memory.ts';
import { openPage, repoRoot } from '../browser/session.ts';
import { BENCH_MODEL_URL, ensureBenchModel } from './bench-package.ts';
import { ORT_HEAP_SECTION, writeSection } from './sections.ts';
import { type HeapRow, heapTable, mergeHeapTables } from './heap-table.ts';
import { wasmMemoryLayout } from './wasm-memory-layout.ts';

/** The ORT build the worker runs on WASM (src/worker/backend.ts). */
const ORT_WASM = createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm');

const MODELS = [
  { name: 'ShapesWorld (embedded)', url: '/models/shapesworld/manifest.json' },
  { name: 'bench package', url: `${BENCH_MODEL_URL}manifest.json` },
];

const { values: args } = parseArgs({
  args: process.argv.slice(2),
  options: { answers: { type: 'string', default: '100' }, label: { type: 'string', default: 'current' }, write: { type: 'boolean', default: false } },
});
const answers = Number(args.answers);

/** The commit measured, and whether the code measured (src/, tools/) had changes on top of it. */
function gitState(): string {
  const git = (...a: string[]) => execFileSync('git', a, { cwd: repoRoot, encoding: 'utf8' }).trim();
  return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src', 'tools') ? ' with uncommitted changes to src/ or tools/' : ''}`;
}

await ensureBenchModel();
const rows: HeapRow[] = [];
for (const model of MODELS) {
  console.error(`${model.name} ...`);
  const session = await openPage('/tools/pages/ort-heap.html', { args: ['--js-flags=--expose-gc'] });
  const browser = session.page.context().browser() as Browser;
  const page = session.page;
  page.setDefaultTimeout(0);
  try {
    await page.waitForFunction(() => document.title === 'ready');
    const pss = async () => (await readProcessMemory(browser)).renderers;
    const load = await page.evaluate((u) => window.ortHeap.load(u), model.url);
    const loadPss = await pss();
    const encode = await page.evaluate(() => window.ortHeap.encode());
    const encodePss = await pss();
    const answered = await page.evaluate((n) => window.ortHeap.answer(n), answers);
    const answeredPss = await pss();
    await page.evaluate(() => window.ortHeap.dispose());
    rows.push({ model: model.name, files: load.files, start: load.start, heap: [load.heap, encode.heap, answered.heap], pss: [loadPss, encodePss, answeredPss] });
  } finally {
    await session.close();
  }
}

const table = heapTable(rows, answers, {
  label: args.label,
  date: new Date().toISOString().slice(0, 16).replace('T', ' '),
  machine: machineLine(machineInfo()),
  commit: gitState(),
  runtime: { file: basename(ORT_WASM), layout: wasmMemoryLayout(readFileSync(ORT_WASM)) },
});
console.log(table);
if (args.write) {
  await writeSection(join(repoRoot, 'docs/BENCHMARKS.md'), ORT_HEAP_SECTION, (old) => mergeHeapTables(old, args.label, table));
}
