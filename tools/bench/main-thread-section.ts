/** The "Main thread, phone-class" section of docs/BENCHMARKS.md, from one `npm run bench:main-thread` run. */
import { type MachineInfo, machineLine } from '../browser/machine.ts';
import { loadSentence } from './report-facts.ts';

/** The figures of one run, by one measure. */
export interface Figures {
  /** Median step of each throttled drag, in order. */
  dragMediansMs: number[];
  /** The same for the drags with the page's input listeners held back (the browser's own work per step). */
  floorDragMediansMs: number[];
  /** Over the steps of those drags. */
  floorMedianMs: number;
  /** Over the steps of every throttled drag. */
  stepMedianMs: number;
  stepP95Ms: number;
  stepMaxMs: number;
  /** The task that received the first encoded image (overlay and first plan). */
  firstTaskMs: number;
  longestUntilDragMs: number;
  busyUntilDragMs: number;
  /** Over the whole trace: navigation (page load included) to the end of the drag. */
  longestTaskMs: number;
}

/** What one run measured (bench-out/bench-main-thread.json). */
export interface MainThreadResult {
  date: string;
  loadAverage: [number, number];
  machine: MachineInfo;
  browser: string;
  emulation: { width: number; height: number; deviceScaleFactor: number; cpuThrottling: number };
  /** The demo's image line for the sample it opened. */
  sample: string;
  budgetRange: [number, number];
  /** Mouse moves of one drag (one per value). */
  moves: number;
  /** Throttled drags over the whole range. */
  drags: number;
  /** Wall time between mouse moves. */
  moveGapMs: number;
  /** Steps (value changes) of the throttled drags, all together. */
  steps: number;
  /** Wall time on the trace clock (what a user waits, inflated by other load on the machine). */
  wall: Figures;
  /** The main thread's CPU time (which under throttling includes the throttle): the same figures, free of other load. */
  cpu: Figures;
  /** Median step of the same drag run again right after with the throttle off. */
  unthrottled: { wallMs: number; cpuMs: number };
  /** PerformanceObserver('longtask') over the page's whole life, load included. */
  longTasks: { count: number; maxMs: number };
}

/** The table's rows: a label and a figure's cell (one value, or one per drag). */
const rows: Array<[string, (f: Figures) => number | number[]]> = [
  ['budget-slider step, median of each drag', (f) => f.dragMediansMs],
  ['budget-slider step, median over every drag', (f) => f.stepMedianMs],
  ['budget-slider step, p95', (f) => f.stepP95Ms],
  ['budget-slider step, max', (f) => f.stepMaxMs],
  ["the same step with the page's input listeners held back (the browser's own work: thumb, event, frame), median", (f) => f.floorMedianMs],
  ['the same, median of each such drag', (f) => f.floorDragMediansMs],
  ['task that received the first encoded image (overlay and first plan)', (f) => f.firstTaskMs],
  ['longest task from then until the drag', (f) => f.longestUntilDragMs],
  ['main-thread busy time from then until the drag', (f) => f.busyUntilDragMs],
  ['longest main-thread task in the trace (navigation, page load included, to the end of the drag)', (f) => f.longestTaskMs],
];

/** The section's Markdown (without its markers). */
export function mainThreadSection(r: MainThreadResult): string {
  const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
  const cell = (v: number | number[]) => (Array.isArray(v) ? v.map(ms).join(', ') : ms(v));
  const e = r.emulation;
  return [
    '## Main thread, phone-class',
    '',
    `Produced by \`npm run bench:main-thread\` on ${r.date.slice(0, 16).replace('T', ' ')} UTC. Machine: ${machineLine(r.machine)}; ${loadSentence(r.loadAverage, r.machine.cpus)}. Headless Chromium ${r.browser}.`,
    '',
    `Emulation: ${e.width}x${e.height} CSS px viewport, device pixel ratio ${e.deviceScaleFactor}, mobile; the page's CPU throttled ${e.cpuThrottling}x (DevTools protocol \`Emulation.setCPUThrottlingRate\`; the model's worker is not throttled). The demo page on its embedded ShapesWorld model opened its first sample (${r.sample}); times are read from a trace of the renderer's main thread (top-level tasks), so they include style, layout and paint.`,
    '',
    '| measure | wall ms | main-thread CPU ms |',
    '|---|---|---|',
    ...rows.map(([label, get]) => `| ${label} | ${cell(get(r.wall))} | ${cell(get(r.cpu))} |`),
    '',
    `Wall is time on the trace clock: what a user of this machine would wait, inflated when other work shares its cores. The second column is the main thread's CPU time in the same tasks (the trace's thread time). Under Chromium's throttling that time already includes the throttle (the same drag again right after with the throttle off: median step ${ms(r.unthrottled.cpuMs)} ms CPU, ${ms(r.unthrottled.wallMs)} ms wall, i.e. ${(r.cpu.stepMedianMs / r.unthrottled.cpuMs).toFixed(1)}x less CPU than throttled), so it is not multiplied: it is the throttled cost without the delays that other work adds.`,
    '',
    `A step is the main-thread busy time from the task that dispatched one \`input\` event of the slider to the task that dispatched the next: the handler, the re-plan and the frame it causes. The mouse dragged the thumb across the slider (budget ${r.budgetRange[0]}..${r.budgetRange[1]}; a drag after the first starts with a jump back to ${r.budgetRange[0]}, not counted), each move onto the next value's thumb position, every ${r.moveGapMs} ms, its events sent over the DevTools protocol (Playwright's own mouse adds a listener and a timer per move while a button is down, for its drag-and-drop detection: ~2 ms of a throttled step that is not the page's); ${r.moves} moves per drag, ${r.steps} steps counted in all over ${r.drags} drags of the demo as it is. Between those it dragged ${r.cpu.floorDragMediansMs.length} times more with a capturing \`input\` listener on the window that stops each event before any page listener: the demo's re-plan and its text, strip and overlay updates do not run, while the thumb still moves and the page's layers stay as they are. What is left is the browser's own work per step on this page, which no change to the demo's input handling can go below; the difference to the demo's step is the handler's share. PerformanceObserver('longtask') over the page's whole life (model load included): ${r.longTasks.count} tasks over 50 ms, longest ${ms(r.longTasks.maxMs)} ms.`,
  ].join('\n');
}
