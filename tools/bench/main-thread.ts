/**
 * `npm run bench:main-thread`: the demo's main thread on a phone-class CPU. Opens the demo page
 * (embedded ShapesWorld model, first sample) in headless Chromium at a 412x915 viewport, device
 * pixel ratio 2.6, mobile emulation, with the page's CPU throttled 4x over the DevTools protocol
 * (workers are not throttled, as on a phone the model runs beside the page). From a trace of the
 * renderer's main thread it reports the task that takes the first encoded image, the longest task
 * until the page settles, and the main-thread time of each budget-slider step while the mouse
 * drags the slider across its range. Writes bench-out/bench-main-thread.json and the "Main
 * thread, phone-class" section of docs/BENCHMARKS.md (between its markers); `-- --keep-trace`
 * also keeps the trace (bench-out/main-thread-trace.json, for DevTools' Performance panel).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Browser, CDPSession, Page } from '@playwright/test';
import { median } from '../../src/eval/summary.ts';
import { machineInfo } from '../browser/machine.ts';
import { openPage, repoRoot } from '../browser/session.ts';
import { busyTime, cpu, eventDispatches, longestTask, markerTimes, type Measure, quantile, stepCosts, type Task, taskAt, threadOfMarker, topLevelTasks, type TraceEvent, wall } from './main-thread-trace.ts';
import { type Figures, mainThreadSection, type MainThreadResult } from './main-thread-section.ts';
import { MAIN_THREAD_SECTION, writeSection } from './sections.ts';

const EMULATION = { width: 412, height: 915, deviceScaleFactor: 2.6, cpuThrottling: 4 };
/** Wall time between mouse moves: room for the slowest step, so steps do not overlap. */
const MOVE_GAP_MS = 150;
/** Quiet time after the first plan is drawn before the drag starts. */
const SETTLE_MS = 4000;
const CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel'];
const FIRST_PLAN = 'mlw:first-plan';
/**
 * The drags over the whole range, in order. 'page': the demo as it is, throttled (one drag's median
 * moves by ~1 ms from drag to drag in one run, so there are three). 'floor': the same, with the
 * page's input listeners held back, so that a step is only the browser's own work (the thumb, the
 * event, the frame): what no change to the demo's handler can go below. 'unthrottled': the demo
 * with the throttle off, for what the throttle multiplies.
 */
type DragKind = 'page' | 'floor' | 'unthrottled';
const DRAGS: DragKind[] = ['page', 'floor', 'page', 'floor', 'page', 'unthrottled'];
const DRAG = (i: number) => `mlw:drag-${i}`;
const DRAG_DONE = (i: number) => `mlw:drag-${i}-done`;
/** Installed at the window in the capture phase: the slider's `input` events reach no page listener. */
const HOLD = `window.mlwHold = (e) => e.stopImmediatePropagation(); window.addEventListener('input', window.mlwHold, true)`;
const RELEASE = `window.removeEventListener('input', window.mlwHold, true)`;

/** Before any page script: a long-task observer, and a trace marker in the task that draws the first plan. */
function instrument(marker: string): void {
  const w = window as unknown as { longTasks: number[] };
  w.longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) w.longTasks.push(e.duration);
  }).observe({ type: 'longtask', buffered: true });
  const seen = new MutationObserver(() => {
    if (!/CLS \+/.test(document.getElementById('breakdown')?.textContent ?? '')) return;
    console.timeStamp(marker); // a microtask of the task that drew the plan: it lands inside it
    seen.disconnect();
  });
  seen.observe(document, { subtree: true, childList: true, characterData: true });
}

async function throttle(page: Page): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: EMULATION.cpuThrottling });
  return cdp;
}

/**
 * Evaluates `expression` in the page over the DevTools protocol. Playwright's locators and
 * page.evaluate first inject its own script, a 100-ms task under throttling that is not the
 * page's, and page.waitForFunction polls every frame in the page.
 */
async function js<T>(cdp: CDPSession, expression: string): Promise<T> {
  const { result, exceptionDetails } = await cdp.send('Runtime.evaluate', { expression, returnByValue: true });
  if (exceptionDetails) throw new Error(`${expression}: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
  return result.value as T;
}

/** Waits, polling from here every 250 ms, until `expression` is true in the page. */
async function until(cdp: CDPSession, expression: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await js<boolean>(cdp, expression))) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${expression}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Drags the budget slider's thumb from its left end to its right end, one move per value: each
 * move lands on the next value's thumb position (fractional CSS pixels), so every move is a step.
 * The mouse events go straight to the DevTools protocol: Playwright's own mouse adds a listener and
 * a timer to every move while a button is down (its drag-and-drop detection), work that is not
 * the page's.
 */
async function dragBudget(page: Page, cdp: CDPSession): Promise<number> {
  const [left, top, width, height, min, max, value] = await js<number[]>(
    cdp,
    `(() => { const el = document.getElementById('budget'); const r = el.getBoundingClientRect(); return [r.left, r.top, r.width, r.height, Number(el.min), Number(el.max), Number(el.value)]; })()`,
  );
  const y = top! + height! / 2;
  // The thumb (16 px wide in Chromium) travels over the track less its own width.
  const at = (v: number) => left! + 8 + ((v - min!) / (max! - min!)) * (width! - 16);
  const mouse = (type: 'mousePressed' | 'mouseMoved' | 'mouseReleased', x: number) =>
    cdp.send('Input.dispatchMouseEvent', { type, x, y, button: 'left', buttons: type === 'mouseReleased' ? 0 : 1, clickCount: type === 'mouseMoved' ? 0 : 1 });
  await mouse('mouseMoved', at(value!));
  await mouse('mousePressed', at(value!));
  let moves = 0;
  for (let v = min!; v <= max!; v++, moves++) {
    await mouse('mouseMoved', at(v));
    await page.waitForTimeout(MOVE_GAP_MS);
  }
  await mouse('mouseReleased', at(max!));
  return moves;
}

const out = join(repoRoot, 'bench-out');
await mkdir(out, { recursive: true });
const loadBefore = loadavg()[0]!;
let tracing: Browser | undefined;
const session = await openPage('/demo/index.html', {
  context: { viewport: { width: EMULATION.width, height: EMULATION.height }, deviceScaleFactor: EMULATION.deviceScaleFactor, isMobile: true },
  beforeGoto: async (page) => {
    await page.addInitScript(instrument, FIRST_PLAN);
    await throttle(page);
    tracing = page.context().browser()!;
    await tracing.startTracing(page, { categories: CATEGORIES });
  },
});
let result: MainThreadResult;
try {
  const { page } = session;
  const cdp = await throttle(page); // again after navigation, in case the renderer was swapped
  console.error('waiting for the model and the first encode ...');
  await until(cdp, `/CLS \\+/.test(document.getElementById('breakdown')?.textContent ?? '')`, 300_000);
  const sample = await js<string>(cdp, `document.getElementById('image-info').textContent`);
  await page.waitForTimeout(SETTLE_MS);
  const range = await js<[number, number]>(cdp, `[Number(document.getElementById('budget').min), Number(document.getElementById('budget').max)]`);
  console.error(`dragging the budget slider over ${range.join('..')}: ${DRAGS.join(', ')} ...`);
  let moves = 0;
  for (const [i, kind] of DRAGS.entries()) {
    if (kind === 'unthrottled') await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    if (kind === 'floor') await js(cdp, HOLD);
    await js(cdp, `console.timeStamp('${DRAG(i)}')`);
    moves = await dragBudget(page, cdp);
    await page.waitForTimeout(1000);
    await js(cdp, `console.timeStamp('${DRAG_DONE(i)}')`);
    if (kind === 'floor') await js(cdp, RELEASE);
  }
  const longTasks = await js<number[]>(cdp, 'window.longTasks');
  const raw = await tracing!.stopTracing();
  if (process.argv.includes('--keep-trace')) await writeFile(join(out, 'main-thread-trace.json'), raw);
  const trace = JSON.parse(raw.toString('utf8')) as { traceEvents: TraceEvent[] };
  const events = trace.traceEvents;

  const main = threadOfMarker(events, FIRST_PLAN);
  const tasks = topLevelTasks(events, main);
  const [firstPlan] = markerTimes(events, main, FIRST_PLAN);
  const firstTask = taskAt(tasks, firstPlan!);
  const from = firstTask?.start ?? firstPlan!;
  const inputs = eventDispatches(events, main, 'input');
  /** Each drag's inputs and end. A drag after the first begins by jumping from the top of the range to the bottom: not a step. */
  const windows = DRAGS.map((_, i) => {
    const [at] = markerTimes(events, main, DRAG(i));
    const [done] = markerTimes(events, main, DRAG_DONE(i));
    return { at: at!, inputs: inputs.filter((t) => t > at! && t < done!).slice(i === 0 ? 0 : 1), done: done! };
  });
  const stepsAt = windows[0]!.at;
  /** Step costs of each drag of `kind`, by one measure. */
  const stepsOf = (kind: DragKind, measure: Measure): number[][] =>
    windows.filter((_, i) => DRAGS[i] === kind).map((w) => stepCosts(tasks, w.inputs, w.done, measure));
  /** The figures by one measure. */
  const figures = (measure: Measure): Figures => {
    const drags = stepsOf('page', measure);
    const floor = stepsOf('floor', measure);
    const steps = drags.flat();
    const of = (t: Task | null) => (t ? measure(t) : Number.NaN);
    return {
      dragMediansMs: drags.map(median),
      floorDragMediansMs: floor.map(median),
      floorMedianMs: median(floor.flat()),
      stepMedianMs: median(steps),
      stepP95Ms: quantile(steps, 0.95),
      stepMaxMs: Math.max(...steps),
      firstTaskMs: of(firstTask),
      longestUntilDragMs: of(longestTask(tasks, from, stepsAt, measure)),
      busyUntilDragMs: busyTime(tasks, from, stepsAt, measure),
      longestTaskMs: of(longestTask(tasks, -Infinity, Infinity, measure)),
    };
  };
  result = {
    date: new Date().toISOString(),
    loadAverage: [loadBefore, loadavg()[0]!],
    machine: machineInfo(),
    browser: session.browserVersion,
    emulation: EMULATION,
    sample,
    budgetRange: range as [number, number],
    moves,
    moveGapMs: MOVE_GAP_MS,
    drags: stepsOf('page', cpu).length,
    steps: stepsOf('page', cpu).flat().length,
    wall: figures(wall),
    cpu: figures(cpu),
    unthrottled: { wallMs: median(stepsOf('unthrottled', wall).flat()), cpuMs: median(stepsOf('unthrottled', cpu).flat()) },
    longTasks: { count: longTasks.length, maxMs: longTasks.length > 0 ? Math.max(...longTasks) : 0 },
  };
} finally {
  await session.close();
}

await writeFile(join(out, 'bench-main-thread.json'), JSON.stringify(result, null, 1));
const section = mainThreadSection(result);
await writeSection(join(repoRoot, 'docs/BENCHMARKS.md'), MAIN_THREAD_SECTION, () => section);
console.log(section);
