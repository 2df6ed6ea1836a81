/**
 * The demo's cold start as a first visitor meets it (`npm run bench:cold-start`, and a section of
 * `npm run bench`). Builds the static site (vite build), serves it with COOP/COEP (so ORT gets its
 * WASM threads) and, per run, opens the demo in a fresh browser (a fresh profile: no HTTP cache,
 * no Cache API, no compiled code): the page opens its first sample by itself, and an init script
 * asks the sample's first suggested question as soon as it is offered. Times are from navigation
 * start, read in the page: DOMContentLoaded, model ready (the loading card hidden), first sample
 * encoded (the plan shown) and first answer done.
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
const ISOLATED = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/** Milestones in ms from navigation start, recorded by the page itself. */
export interface Milestones {
  domContentLoaded: number;
  modelReady: number;
  firstEncoded: number;
  firstAnswer: number;
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
  runs: Milestones[];
  /** The device line of the demo (device, threads). */
  device: string;
  browser: string;
}

/** Builds the static demo and opens it cold `runs` times. */
export async function measureColdStart(runs: number): Promise<ColdStart> {
  const site = mkdtempSync(join(tmpdir(), 'mask-llava-cold-'));
  execFileSync(process.execPath, [join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', site, '--emptyOutDir'], { cwd: repoRoot, stdio: 'pipe' });
  const server = await serveStatic(site, PORT, ISOLATED);
  const out: ColdStart = { runs: [], device: '', browser: '' };
  try {
    for (let i = 0; i < runs; i++) {
      // A new browser per run: a fresh profile, and no compiled code or cache left by the last run.
      const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
      out.browser = browser.version();
      try {
        const page = await browser.newPage();
        await page.addInitScript(watch);
        await page.goto(`http://localhost:${PORT}/demo/index.html`);
        await page.waitForFunction(() => (window as unknown as { milestones: Partial<Milestones> }).milestones.firstAnswer !== undefined, undefined, { timeout: 120_000, polling: 500 });
        out.runs.push(await page.evaluate(() => (window as unknown as { milestones: Milestones }).milestones));
        out.device = (await page.locator('#device-why').textContent()) ?? '';
      } finally {
        await browser.close();
      }
    }
  } finally {
    server.close();
    rmSync(site, { recursive: true, force: true });
  }
  return out;
}

/** The Markdown table of the runs: median and each run. */
export function coldStartTable(c: ColdStart): string {
  const row = (label: string, key: keyof Milestones) => `| ${label} | ${median(c.runs.map((r) => r[key])).toFixed(0)} | ${c.runs.map((r) => r[key].toFixed(0)).join(', ')} |`;
  return [
    '| ms from navigation | median | runs |',
    '|---|---|---|',
    row('DOMContentLoaded', 'domContentLoaded'),
    row('model ready', 'modelReady'),
    row('first sample encoded (plan shown)', 'firstEncoded'),
    row('first answer done', 'firstAnswer'),
  ].join('\n');
}
