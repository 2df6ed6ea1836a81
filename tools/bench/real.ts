/**
 * `npm run bench:real [-- --reps N]`: the real-size benchmark. A model with nanoLLaVA-1.5's real
 * dimensions and random weights (`npm run bench:model` writes it; generated here when missing),
 * loaded by repo id from the local Hub mirror in q4, as a user loads the published repo:
 * - transformers.js alone in a fresh browser (no other ORT instance alive): load, then image +
 *   question to the first token at 729 image tokens;
 * - then our SDK in another fresh browser: load time and peak memory, encode (vision encoder +
 *   SlimSAM-layout segmenter + AMG), and prefill / time to first token at 729 / 144 / 57 / 29 / 15
 *   visual tokens, interleaved, against the ideal FLOP ratio.
 * Writes bench-out/bench-real.json, docs/benchmarks-real.svg and the "Real size" section of
 * docs/BENCHMARKS.md (between its markers; `npm run bench` keeps that section).
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser, Page } from '@playwright/test';
import { lineChartSvg } from '../../src/eval/chart.ts';
import { median } from '../../src/eval/summary.ts';
import { HUB_FIXTURES_DIR, serveHubMirror } from '../../tests/browser/hub-mirror.ts';
import { machineInfo, machineLine } from '../browser/machine.ts';
import { PeakMemorySampler, readProcessMemory } from '../browser/process-memory.ts';
import { openPage, repoRoot } from '../browser/session.ts';
import { BENCH_NANOLLAVA_REPO, BENCH_SLIMSAM_REPO } from '../fixtures/hub-layout.ts';
import type { BenchTarget } from '../pages/bench.ts';
import { speedupRows } from './speedup.ts';
import { REAL_SECTION, writeSection } from './sections.ts';

/** The decoder of the generated model: Qwen1.5-0.5B's dimensions, 32768-token vocabulary, logits at every position (as published). */
const DECODER = { hiddenSize: 1024, layers: 24, heads: 16, kvHeads: 16, headDim: 64, intermediateSize: 2816, vocabSize: 32768, ropeTheta: 1_000_000, logitsToKeepInput: false };
/** q4 weights, embeddings q8 (as the published repo's recommended browser set), SlimSAM q8. */
const SDK_DTYPE = { encoder: 'q4', embedTokens: 'q8', decoder: 'q4', segmenter: 'q8' } as const;
const TJS_DTYPE = { vision_encoder: 'q4', embed_tokens: 'q8', decoder_model_merged: 'q4' };
const PROMPT = 'What is in the picture?';
const TOKEN_COUNTS = [729, 144, 57, 29, 15];
const THREADS = 2;

const { values: args } = parseArgs({ args: process.argv.slice(2), options: { reps: { type: 'string', default: '3' } } });
const REPS = Number(args.reps);
const out = join(repoRoot, 'bench-out');
const mib = (b: number) => b / 2 ** 20;

if (!existsSync(join(HUB_FIXTURES_DIR, BENCH_NANOLLAVA_REPO, 'config.json'))) {
  throw new Error(`the real-size model is missing under ${HUB_FIXTURES_DIR}; run npm run bench:model first (a few minutes, ~1 GB)`);
}

/** Paper-style plans: plain patch grids at 729 and 144 (12x12), balanced three kinds below. */
function targets(): BenchTarget[] {
  return TOKEN_COUNTS.map((n) => ({ label: String(n), plan: n >= 144 ? { budget: n, policy: 'patch-only' } : { budget: n, policy: 'balanced' } }));
}

const mirror = await serveHubMirror(0, HUB_FIXTURES_DIR);
const host = `http://localhost:${(mirror.address() as AddressInfo).port}/`;
const loadBefore = loadavg()[0]!;
try {
  console.error('transformers.js alone ...');
  const peer = await inBrowser(async (page, browser) => {
    const sampler = new PeakMemorySampler(browser, 100);
    const base = await readProcessMemory(browser);
    const run = await page.evaluate(([h, r, d, p, t, n]) => window.bench.transformersAlone(h, r, d, p, t, n), [host, BENCH_NANOLLAVA_REPO, TJS_DTYPE, PROMPT, THREADS, REPS] as const);
    const peak = await sampler.stop();
    return { ...run, peakRendererMiB: mib(peak.renderers - base.renderers) };
  });

  console.error('our SDK ...');
  const ours = await inBrowser(async (page, browser) => {
    const base = await readProcessMemory(browser);
    const sampler = new PeakMemorySampler(browser, 100);
    const load = await page.evaluate(([s, t]) => window.bench.loadHub('real', s, t), [{ vlm: BENCH_NANOLLAVA_REPO, segmenter: BENCH_SLIMSAM_REPO, host, dtype: SDK_DTYPE }, THREADS] as const);
    const afterLoad = await readProcessMemory(browser);
    console.error('  encode ...');
    const encodes = (await page.evaluate((n) => window.bench.encode('real', n), REPS + 1)).slice(1);
    const peakLoadEncode = await sampler.stop();
    console.error('  prefill vs tokens ...');
    await page.evaluate((t) => window.bench.generate(['real'], t, 'warm-up', 1), targets());
    const sweep = await page.evaluate(([t, p, n]) => window.bench.generate(['real'], t, p, n), [targets(), PROMPT, REPS] as const);
    await page.evaluate(() => window.bench.dispose());
    return {
      load,
      encodes,
      sweep,
      memory: { afterLoadMiB: mib(afterLoad.renderers - base.renderers), peakMiB: mib(peakLoadEncode.renderers - base.renderers), gpuPeakMiB: mib(peakLoadEncode.gpu) },
    };
  });

  const enriched = speedupRows(ours.sweep.timings, 'real', TOKEN_COUNTS, DECODER);
  const result = {
    date: new Date().toISOString(),
    loadAverage: [loadBefore, loadavg()[0]!],
    machine: machineInfo(),
    reps: REPS,
    dtype: SDK_DTYPE,
    decoder: DECODER,
    rows: enriched,
    ours,
    peer,
  };
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'bench-real.json'), JSON.stringify(result, null, 1));
  await writeFile(join(repoRoot, 'docs/benchmarks-real.svg'), chart(enriched));
  const section = render(result);
  await writeSection(join(repoRoot, 'docs/BENCHMARKS.md'), REAL_SECTION, () => section);
  console.log(section);
} finally {
  mirror.close();
}

/** Runs `fn` on the bench page in a fresh browser, closed afterwards. */
async function inBrowser<T>(fn: (page: Page, browser: Browser) => Promise<T>): Promise<T> {
  const session = await openPage('/tools/pages/bench.html', { args: ['--js-flags=--expose-gc'] });
  try {
    session.page.setDefaultTimeout(0); // minutes of work per step on 2 cores
    await session.page.waitForFunction(() => document.title === 'ready', undefined, { timeout: 120_000 });
    return await fn(session.page, session.page.context().browser() as Browser);
  } finally {
    await session.close();
  }
}

type Row = { tokens: number; seq: number; prefillMs: number; ttftMs: number; speedup: number; ttftSpeedup: number; ideal: number };

function chart(rows: Row[]): string {
  const pts = (f: (r: Row) => number) => rows.map((r) => [r.tokens, f(r)] as const);
  return lineChartSvg(
    [
      { name: 'achieved (prefill)', points: pts((r) => r.speedup) },
      { name: 'achieved (TTFT)', points: pts((r) => r.ttftSpeedup) },
      { name: 'ideal (FLOPs)', points: pts((r) => r.ideal), dash: '4 3' },
    ],
    { title: 'Real size (nanoLLaVA-1.5 dimensions, q4): speedup over 729 tokens', xLabel: 'visual tokens', yLabel: 'x faster than 729', logX: true },
  );
}

function render(r: {
  date: string;
  loadAverage: number[];
  machine: ReturnType<typeof machineInfo>;
  rows: Array<Row & { flops: number }>;
  ours: { load: { device: string; numThreads: number; loadMs: number; bytes: number; approximate: boolean }; encodes: Array<{ totalMs: number; encodeMs: number; segmentMs: number; masks: number }>; memory: { afterLoadMiB: number; peakMiB: number; gpuPeakMiB: number } };
  peer: { loadMs: number; rows: Array<{ ms: number; inputTokens: number }>; peakRendererMiB: number };
}): string {
  const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : 'n/a');
  const x = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}x` : 'n/a');
  const tjs = median(r.peer.rows.map((p) => p.ms));
  const at729 = r.rows[0]!;
  const { load, encodes, memory } = r.ours;
  return [
    '## Real size: nanoLLaVA-1.5 dimensions, q4, by repo id',
    '',
    `Produced by \`npm run bench:real\` on ${r.date.slice(0, 16).replace('T', ' ')} UTC. Machine: ${machineLine(r.machine)}; 1-minute load average ${r.loadAverage[0]!.toFixed(1)} at the start and ${r.loadAverage[1]!.toFixed(1)} at the end. Device **${load.device}**, ${load.numThreads} WASM threads; no GPU was used.`,
    '',
    `Model: random weights with nanoLLaVA-1.5's real dimensions in the published layout (\`npm run bench:model\`: SigLIP-so400m-size vision encoder with the projector, 729 features; Qwen1.5-0.5B-size decoder, hidden ${DECODER.hiddenSize}, ${DECODER.layers} layers, ${DECODER.heads} heads; a ${DECODER.vocabSize}-token vocabulary instead of 151936; SlimSAM-layout segmenter), loaded by repo id from the local Hub mirror: ${(load.bytes / 1e6).toFixed(0)} MB of files (encoder and decoder q4, embeddings and segmenter q8). Plans: every patch token at 729, a 12x12 pooled grid at 144, three kinds (balanced, from 25 box masks) at 57 = 1+36+20, 29 = 1+16+12, 15 = 1+9+5 — approximate Mask-LLaVA (the model was not trained with object tokens; its answers here are random-weight noise, only the cost is measured). Medians of ${REPS} interleaved rounds after a warm-up round.`,
    '',
    '![speedup against visual tokens at real size](benchmarks-real.svg)',
    '',
    '| visual tokens | prefill length | prefill ms | TTFT ms | prefill speedup | TTFT speedup | ideal (FLOPs) | achieved / ideal |',
    '|---|---|---|---|---|---|---|---|',
    ...r.rows.map((row) => `| ${row.tokens} | ${row.seq} | ${ms(row.prefillMs)} | ${ms(row.ttftMs)} | ${x(row.speedup)} | ${x(row.ttftSpeedup)} | ${x(row.ideal)} | ${(row.speedup / row.ideal).toFixed(2)} |`),
    '',
    `Ideal = decoder FLOPs at 729 visual tokens / FLOPs at n, prompt tokens included, with the LM head over every position as the published decoder computes it (tools/bench/flops.ts).`,
    '',
    '| measure | ours | transformers.js (alone) |',
    '|---|---|---|',
    `| load (download from the mirror + sessions), ms | ${ms(load.loadMs)} | ${ms(r.peer.loadMs)} |`,
    `| encode: vision encoder, ms | ${ms(median(encodes.map((e) => e.encodeMs)))} | - |`,
    `| encode: SlimSAM + automatic mask generation, ms (${encodes[0]?.masks ?? 0} masks) | ${ms(median(encodes.map((e) => e.segmentMs)))} | - |`,
    `| image + question to first token at 729 tokens, ms | ${ms(at729.ttftMs)} on an encoded image | ${ms(tjs)} (${r.peer.rows[0]?.inputTokens ?? '?'} input tokens, image processing included) |`,
    `| renderer memory growth after load, MiB | ${memory.afterLoadMiB.toFixed(0)} | - |`,
    `| renderer memory peak over load + encodes, MiB | ${memory.peakMiB.toFixed(0)} | ${r.peer.peakRendererMiB.toFixed(0)} (load + answers) |`,
    '',
    'Memory is the growth of the renderer processes\' proportional set size (page + workers, ORT\'s wasm heaps included) over the fresh browser, read from /proc every 100 ms (tools/browser/process-memory.ts). transformers.js ran first, alone in its own browser; ours in another fresh browser, so neither paid for the other\'s ORT instance.',
  ].join('\n');
}
