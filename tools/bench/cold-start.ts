/**
 * `npm run bench:cold-start [-- --runs 3]`: the demo's cold start as a first visitor meets it. Builds
 * the static site (vite build), serves it with COOP/COEP (so ORT gets its WASM threads) and, per
 * run, opens the demo in a fresh browser profile (no HTTP cache, no Cache API): the page opens its
 * first sample by itself, and an init script asks the sample's first suggested question as soon
 * as it is offered. Times are from navigation start, read in the page: DOMContentLoaded, model
 * ready (the loading card hidden), first sample encoded (the plan shown) and first answer done.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { serveStatic } from '../../tests/browser/static-server.ts';
import { median } from '../../src/eval/summary.ts';
import { chromiumArgs, chromiumPath } from '../browser/chromium.ts';
import { machineInfo, machineLine } from '../browser/machine.ts';
import { repoRoot } from '../browser/session.ts';

const { values: args } = parseArgs({ args: process.argv.slice(2), options: { runs: { type: 'string', default: '3' } } });
const PORT = Number(process.env.TOOL_PORT) || 5480;
const ISOLATED = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/** Milestones in ms from navigation start, recorded by the page itself. */
interface Milestones {
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

const site = mkdtempSync(join(tmpdir(), 'mask-llava-cold-'));
execFileSync(process.execPath, [join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', site, '--emptyOutDir'], { cwd: repoRoot, stdio: 'pipe' });
const server = await serveStatic(site, PORT, ISOLATED);
const runs: Milestones[] = [];
let version = '';
try {
  for (let i = 0; i < Number(args.runs); i++) {
    // A new browser per run: a fresh profile, and no compiled code or cache left by the last run.
    const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    version = browser.version();
    try {
      const page = await browser.newPage();
      await page.addInitScript(watch);
      await page.goto(`http://localhost:${PORT}/demo/index.html`);
      await page.waitForFunction(() => (window as unknown as { milestones: Partial<Milestones> }).milestones.firstAnswer !== undefined, undefined, { timeout: 120_000, polling: 500 });
      const m = await page.evaluate(() => (window as unknown as { milestones: Milestones }).milestones);
      const threads = (await page.locator('#device-why').textContent()) ?? '';
      console.error(`run ${i + 1}: ${JSON.stringify(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.round(v)])))} (${threads})`);
      runs.push(m);
    } finally {
      await browser.close();
    }
  }
} finally {
  server.close();
  rmSync(site, { recursive: true, force: true });
}
const row = (label: string, key: keyof Milestones) => `| ${label} | ${median(runs.map((r) => r[key])).toFixed(0)} | ${runs.map((r) => r[key].toFixed(0)).join(', ')} |`;
console.log(
  [
    `Cold start of the static demo build (fresh profile per run, COOP/COEP, WASM): ${runs.length} runs on ${machineLine(machineInfo())}; headless Chromium ${version}.`,
    '',
    '| ms from navigation | median | runs |',
    '|---|---|---|',
    row('DOMContentLoaded', 'domContentLoaded'),
    row('model ready', 'modelReady'),
    row('first sample encoded (plan shown)', 'firstEncoded'),
    row('first answer done', 'firstAnswer'),
  ].join('\n'),
);
