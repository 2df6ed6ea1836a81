import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { serveStatic } from '../tests/browser/static-server.ts';
import { chromiumArgs, chromiumPath } from '../tools/browser/chromium.ts';
const site = '/tmp/tl-site';
execFileSync(process.execPath, ['/work/main/node_modules/vite/bin/vite.js', 'build', '--outDir', site, '--emptyOutDir'], { cwd: '/work/main', stdio: 'pipe' });
const server = await serveStatic(site, 5491, { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
const page = await browser.newPage();
await browser.startTracing(page, { path: '/tmp/tr/trace.json', categories: ['devtools.timeline', 'v8', 'v8.wasm', 'disabled-by-default-v8.compile', 'toplevel', 'v8.execute', 'blink.user_timing', 'disabled-by-default-devtools.timeline'] });
await page.goto('http://localhost:5491/demo/index.html');
await page.waitForFunction(() => /CLS \+/.test(document.getElementById('breakdown')?.textContent ?? ''), undefined, { timeout: 60000 });
await browser.stopTracing();
await browser.close(); server.close();
const tr = JSON.parse(readFileSync('/tmp/tr/trace.json', 'utf8'));
const ev = tr.traceEvents ?? tr;
const names = new Map<string, string>();
for (const e of ev) if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args.name);
const nav = ev.find((e: any) => e.name === 'navigationStart' || e.name === 'NavigationStartToLoad' )?.ts ?? Math.min(...ev.filter((e: any) => e.ts > 0).map((e: any) => e.ts));
const per = new Map<string, Map<string, number>>();
for (const e of ev) {
  if (e.ph !== 'X' || !e.dur) continue;
  const th = names.get(`${e.pid}:${e.tid}`) ?? 'unknown';
  if (!/Worker|Main|ThreadPool|V8/.test(th)) continue;
  const key = `${th} ${e.tid}`;
  const m = per.get(key) ?? new Map(); per.set(key, m);
  m.set(e.name, (m.get(e.name) ?? 0) + e.dur / 1000);
}
for (const [th, m] of per) {
  const top = [...m].sort((a, b) => b[1] - a[1]).slice(0, 12);
  if (top[0]![1] < 30) continue;
  console.log(`== ${th}`); for (const [n, d] of top) console.log(`   ${d.toFixed(0).padStart(6)} ms  ${n}`);
}
