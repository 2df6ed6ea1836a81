/**
 * What a second and a third ORT instance cost on one page (`npm run bench:instances`, and a
 * section of `npm run bench`). In headless Chromium (WASM, 2 threads) the runtime test page loads
 * the embedded ShapesWorld model (A) and times rounds of encode + prefill on one scene for 30 s;
 * then an ablation package (B) while A lives, 20 s; then disposes both and loads the main model
 * again (C, as after a crash or a model switch), 20 s. Per phase: the load time, the round times in
 * 5-s buckets and the CPU time the renderer's threads took, grouped by thread name (Linux /proc),
 * which shows whether background work (V8 compilation, GC) competes with the model's threads
 * (threads that ended during a phase are not counted).
 */
import { readFile, readdir } from 'node:fs/promises';
import { median } from '../../src/eval/summary.ts';
import { openPage } from '../browser/session.ts';

const PHASES = [
  { name: 'A: first instance', manifest: 'manifest.json', seconds: 30, disposeBefore: false },
  { name: 'B: second instance, A alive', manifest: 'manifest-no-norm-scale.json', seconds: 20, disposeBefore: false },
  { name: 'C: after A and B were disposed', manifest: 'manifest.json', seconds: 20, disposeBefore: true },
];
const BUCKET_S = 5;

/** One phase's readings. */
export interface InstancePhase {
  name: string;
  manifest: string;
  loadMs: number;
  /** Median ms of encode + prefill per 5-s bucket, and the rounds in it. */
  buckets: Array<{ medianMs: number; rounds: number }>;
  /** Renderer CPU seconds over the phase by thread name, 0.5 s and more, largest first. */
  cpu: Array<[string, number]>;
}

/** CPU seconds and name of every thread of the renderer processes, by thread id. */
async function threadCpu(pids: number[]): Promise<Map<string, { name: string; seconds: number }>> {
  const tick = 100; // USER_HZ on Linux
  const out = new Map<string, { name: string; seconds: number }>();
  for (const pid of pids) {
    const tids = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
    for (const tid of tids) {
      const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => '');
      const m = /^\d+ \((.*)\) (.*)$/.exec(stat.trim());
      if (!m) continue;
      const fields = m[2]!.split(' ');
      const seconds = (Number(fields[11]) + Number(fields[12])) / tick; // utime, stime
      out.set(`${pid}/${tid}`, { name: m[1]!, seconds });
    }
  }
  return out;
}

/** Runs the three phases; returns their readings and the browser's version. */
export async function measureInstances(): Promise<{ phases: InstancePhase[]; browser: string }> {
  const session = await openPage('/tests/browser/pages/runtime.html');
  const { page } = session;
  const cdp = await page.context().browser()!.newBrowserCDPSession();
  const renderers = async () => {
    const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: Array<{ type: string; id: number }> };
    return processInfo.filter((p) => p.type === 'renderer').map((p) => p.id);
  };
  const phases: InstancePhase[] = [];
  try {
    await page.waitForFunction(() => (window as unknown as { ready: boolean }).ready === true);
    // Page code as text: tsx would otherwise wrap named functions in a helper the page lacks.
    await page.evaluate(`window.bench = {
      img: window.helpers.scene(192, 192),
      models: [],
      async load(url, dispose) {
        if (dispose) { for (const m of this.models) await m.dispose(); this.models = []; }
        const t = performance.now();
        this.models.push(await window.sdk.MaskLlava.load(url, { device: 'wasm' }));
        return performance.now() - t;
      },
      async rounds(seconds) {
        const vlm = this.models[this.models.length - 1];
        const t0 = performance.now(); const out = [];
        while (performance.now() - t0 < seconds * 1000) {
          const a = performance.now();
          const e = await vlm.encode(this.img);
          await vlm.nextTokenLogits(e, 'How many circles are there?');
          e.release();
          out.push([(a - t0) / 1000, performance.now() - a]);
        }
        return out;
      },
    }`);
    for (const phase of PHASES) {
      const before = await threadCpu(await renderers());
      const loadMs = await page.evaluate(`window.bench.load('/models/shapesworld/${phase.manifest}', ${phase.disposeBefore})`) as number;
      const rounds = (await page.evaluate(`window.bench.rounds(${phase.seconds})`)) as Array<[number, number]>;
      const after = await threadCpu(await renderers());
      const buckets: number[][] = [];
      for (const [at, ms] of rounds) (buckets[Math.floor(at / BUCKET_S)] ??= []).push(ms);
      // Per thread, then by name: threads that ended during the phase (disposed workers) are not counted.
      const byName = new Map<string, number>();
      for (const [tid, { name, seconds }] of after) byName.set(name, (byName.get(name) ?? 0) + seconds - (before.get(tid)?.seconds ?? 0));
      const cpu = [...byName].filter(([, s]) => s >= 0.5).sort((a, b) => b[1] - a[1]);
      phases.push({ name: phase.name, manifest: phase.manifest, loadMs, buckets: buckets.map((b) => ({ medianMs: median(b), rounds: b.length })), cpu });
      console.error(`${phase.name}: loaded in ${loadMs.toFixed(0)} ms, ${rounds.length} rounds`);
    }
    await page.evaluate('window.bench.load(null, true).catch(() => undefined)');
  } finally {
    await session.close();
  }
  return { phases, browser: session.browserVersion };
}

/** The Markdown table of the phases. */
export function instancesTable(phases: InstancePhase[]): string {
  return [
    `| phase | load ms | encode + prefill ms, median per ${BUCKET_S} s (rounds) | renderer CPU over the phase, by thread (0.5 s and more) |`,
    '|---|---|---|---|',
    ...phases.map(
      (p) =>
        `| ${p.name} (${p.manifest}) | ${p.loadMs.toFixed(0)} | ${p.buckets.map((b, i) => `${i * BUCKET_S} s: ${b.medianMs.toFixed(0)} (${b.rounds})`).join(', ')} | ${p.cpu.map(([n, s]) => `${n} ${s.toFixed(1)} s`).join(', ')} |`,
    ),
  ].join('\n');
}
