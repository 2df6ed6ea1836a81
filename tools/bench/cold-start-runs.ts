/**
 * The demo's cold start as a first visitor meets it, and as the same visitor meets it again
 * (`npm run bench:cold-start`, and a section of `npm run bench`). Builds the static site (vite
 * build), serves it with COOP/COEP (so ORT gets its WASM threads) and an hour's Cache-Control, as a
 * static host does for hashed assets, and per run opens the demo in a fresh profile (no HTTP cache,
 * Cache API or compiled code), then once more in a new tab of that profile (the HTTP cache, the
 * model files in the Cache API and V8's code cache of the ORT wasm all kept). The page opens its
 * first sample by itself, and an init script asks the sample's first suggested question as soon
 * as it is offered. Times are from navigation start, read in the page: DOMContentLoaded, model
 * ready (the loading card hidden), first sample encoded (the plan shown) and first answer done;
 * with them, where the load and the first encode spent their time, as the demo shows it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { serveStatic } from '../../tests/browser/static-server.ts';
import { median } from '../../src/eval/summary.ts';
import { chromiumArgs, chromiumPath } from '../browser/chromium.ts';
import { repoRoot } from '../browser/session.ts';

const PORT = Number(process.env.COLD_START_PORT) || 5480;
const HEADERS = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'cache-control': 'max-age=3600' };

/** Fresh-profile runs per measurement: on a shared 2-core machine one run's first answer moves by ±300 ms from the next. */
export const COLD_RUNS = 5;

/** Milestones in ms from navigation start, recorded by the page itself. */
export interface Milestones {
  domContentLoaded: number;
  modelReady: number;
  firstEncoded: number;
  firstAnswer: number;
}

/** The load's and the first encode's parts, in ms, as the demo shows them (its data attributes). */
export interface Parts {
  /** Worker: waiting for the manifest, the tokenizer and each model file. */
  fetchMs: number;
  /** Worker: ONNX Runtime's start-up, alongside the downloads. */
  runtimeMs: number;
  /** Worker: creating the model's sessions. */
  sessionMs: number;
  /** Page: decoding the sample to RGBA. */
  decodeMs: number;
  /** Worker: pixel values for the encoder and the segmenter. */
  preprocessMs: number;
  /** Worker: the image encoder. */
  encodeMs: number;
  /** Worker: the segmenter's vision encoder and automatic mask generation. */
  segmentMs: number;
}

/** One visit's milestones and parts. */
export type Visit = Milestones & Parts;

/** Reads the parts from the demo's data attributes, once the first answer is done. */
function readParts(): Parts {
  const load = document.getElementById('load-info')?.dataset ?? {};
  const image = document.getElementById('image-info')?.dataset ?? {};
  return {
    fetchMs: Number(load.fetchMs),
    runtimeMs: Number(load.runtimeMs),
    sessionMs: Number(load.sessionMs),
    decodeMs: Number(image.decodeMs),
    preprocessMs: Number(image.preprocessMs),
    encodeMs: Number(image.encodeMs),
    segmentMs: Number(image.segmentMs),
  };
}

/** Before any page script: watches the DOM for each milestone and asks the first suggestion. */
function watch(): void {
  const w = window as unknown as { milestones: Partial<Milestones> };
  w.milestones = {};
  const m = w.milestones;
  document.addEventListener('DOMContentLoaded', () => (m.domContentLoaded = performance.now()));
  const seen = new MutationObserver(() => {
    const now = performance.now();
    if (m.modelReady === undefined && document.getElementById('loading')?.hidden) m.modelReady = now;
    if (m.firstEncoded === undefined && /CLS \+/.test(document.getElementById('breakdown')?.textContent ?? '')) m.firstEncoded = now;
    const suggestion = document.querySelector<HTMLButtonElement>('#suggestions button');
    if (m.firstEncoded !== undefined && suggestion && !document.querySelector('.answer')) suggestion.click();
    if (m.firstAnswer === undefined && /generated/.test(document.querySelector('.answer .answer-meta')?.textContent ?? '')) {
      m.firstAnswer = now;
      seen.disconnect();
    }
  });
  seen.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
}

/** What the runs measured. */
export interface ColdStart {
  /** First visits, a fresh profile each. */
  runs: Visit[];
  /** The same profile's second visit, one per run. */
  returning: Visit[];
  /** The device line of the demo (device, threads). */
  device: string;
  browser: string;
}

/** Builds the static demo and opens it cold `runs` times. */
export async function measureColdStart(runs: number): Promise<ColdStart> {
  const site = mkdtempSync(join(tmpdir(), 'mask-llava-cold-'));
  execFileSync(process.execPath, [join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', site, '--emptyOutDir'], { cwd: repoRoot, stdio: 'pipe' });
  const server = await serveStatic(site, PORT, HEADERS);
  const out: ColdStart = { runs: [], returning: [], device: '', browser: '' };
  try {
    for (let i = 0; i < runs; i++) {
      // A new browser and profile per run: no compiled code or cache left by the last run.
      const profile = mkdtempSync(join(tmpdir(), 'mask-llava-profile-'));
      const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, args: chromiumArgs });
      out.browser = context.browser()?.version() ?? '';
      try {
        for (const visits of [out.runs, out.returning]) {
          const page = await context.newPage();
          await page.addInitScript(watch);
          await page.goto(`http://localhost:${PORT}/demo/index.html`);
          await page.waitForFunction(() => (window as unknown as { milestones: Partial<Milestones> }).milestones.firstAnswer !== undefined, undefined, { timeout: 120_000, polling: 500 });
          const milestones = await page.evaluate(() => (window as unknown as { milestones: Milestones }).milestones);
          visits.push({ ...milestones, ...(await page.evaluate(readParts)) });
          out.device = (await page.locator('#device-why').textContent()) ?? '';
          await page.close();
        }
      } finally {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      }
    }
  } finally {
    server.close();
    rmSync(site, { recursive: true, force: true });
  }
  return out;
}

/** The Markdown table of the runs: median and each run, first visit and returning. */
export function coldStartTable(c: ColdStart): string {
  const cells = (visits: Visit[], key: keyof Visit) => `${median(visits.map((r) => r[key])).toFixed(0)} | ${visits.map((r) => r[key].toFixed(0)).join(', ')}`;
  const row = (label: string, key: keyof Visit) => `| ${label} | ${cells(c.runs, key)} | ${cells(c.returning, key)} |`;
  return [
    '| ms (milestones from navigation, parts as durations) | first visit, median | runs | returning visit, median | runs |',
    '|---|---|---|---|---|',
    row('DOMContentLoaded', 'domContentLoaded'),
    row('model ready', 'modelReady'),
    row('· the worker waiting for files', 'fetchMs'),
    row('· ONNX Runtime starting up (worker, while files arrive)', 'runtimeMs'),
    row('· the worker creating sessions', 'sessionMs'),
    row('first sample encoded (plan shown)', 'firstEncoded'),
    row('· decoding the image (page)', 'decodeMs'),
    row('· pixel values (worker)', 'preprocessMs'),
    row('· image encoder (worker)', 'encodeMs'),
    row('· segmenter + mask generation (worker)', 'segmentMs'),
    row('first answer done', 'firstAnswer'),
  ].join('\n');
}
