/** The "Main thread, phone-class" section of docs/BENCHMARKS.md, from one `npm run bench:main-thread` run. */
import { type MachineInfo, machineLine } from '../browser/machine.ts';
import { loadSentence } from './report-facts.ts';

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
  /** Mouse moves of the drag (one CSS pixel each); `steps.count` of them changed the value. */
  moves: number;
  /** Wall time between mouse moves. */
  moveGapMs: number;
  steps: { count: number; medianMs: number; p95Ms: number; maxMs: number; all: number[] };
  firstOverlay: { taskMs: number; longestUntilSettledMs: number; busyUntilSettledMs: number };
  longestTraceTaskMs: number;
  /** PerformanceObserver('longtask') over the page's whole life, load included. */
  longTasks: { count: number; maxMs: number };
}

/** The section's Markdown (without its markers). */
export function mainThreadSection(r: MainThreadResult): string {
  const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
  const e = r.emulation;
  return [
    '## Main thread, phone-class',
    '',
    `Produced by \`npm run bench:main-thread\` on ${r.date.slice(0, 16).replace('T', ' ')} UTC. Machine: ${machineLine(r.machine)}; ${loadSentence(r.loadAverage, r.machine.cpus)}. Headless Chromium ${r.browser}.`,
    '',
    `Emulation: ${e.width}x${e.height} CSS px viewport, device pixel ratio ${e.deviceScaleFactor}, mobile; the page's CPU throttled ${e.cpuThrottling}x (DevTools protocol \`Emulation.setCPUThrottlingRate\`; the model's worker is not throttled). The demo page on its embedded ShapesWorld model opened its first sample (${r.sample}); times are read from a trace of the renderer's main thread (top-level tasks), so they include style, layout and paint.`,
    '',
    '| measure | ms |',
    '|---|---|',
    `| budget-slider step, median of ${r.steps.count} | ${ms(r.steps.medianMs)} |`,
    `| budget-slider step, p95 | ${ms(r.steps.p95Ms)} |`,
    `| budget-slider step, max | ${ms(r.steps.maxMs)} |`,
    `| task that received the first encoded image (overlay and first plan) | ${ms(r.firstOverlay.taskMs)} |`,
    `| longest task from then until the drag (${ms(r.firstOverlay.busyUntilSettledMs)} ms busy in all) | ${ms(r.firstOverlay.longestUntilSettledMs)} |`,
    `| longest main-thread task in the trace (first encode to the end of the drag) | ${ms(r.longestTraceTaskMs)} |`,
    '',
    `A step is the main-thread busy time from the task that dispatched one \`input\` event of the slider to the task that dispatched the next: the handler, the re-plan and the frame it causes. The mouse dragged the thumb across the slider (budget ${r.budgetRange[0]}..${r.budgetRange[1]}) one CSS pixel per move, every ${r.moveGapMs} ms; ${r.moves} moves changed the value ${r.steps.count} times. PerformanceObserver('longtask') over the page's whole life (model load included): ${r.longTasks.count} tasks over 50 ms, longest ${ms(r.longTasks.maxMs)} ms.`,
  ].join('\n');
}
