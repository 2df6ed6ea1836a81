/**
 * Reads main-thread work out of a Chromium trace (JSON trace events): the renderer main thread's
 * top-level tasks, the cost of each slider step, and the tasks around a marker. Pure, so it is
 * tested on hand-made events.
 */

/** The fields of a trace event used here (timestamps and durations in microseconds). */
export interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  /** Thread (CPU) time: excludes the time the OS or the CPU throttle kept the thread off a core. */
  tdur?: number;
  pid: number;
  tid: number;
  args?: { name?: string; data?: { type?: string; message?: string } };
}

/** A top-level task of one thread, in milliseconds on the trace clock. */
export interface Task {
  start: number;
  end: number;
  /** CPU time of the thread in the task (its wall time when the trace lacks it). */
  cpu: number;
}

/** How long a task took: its wall time, or its CPU time. */
export type Measure = (t: Task) => number;
/** Wall time. */
export const wall: Measure = (t) => t.end - t.start;
/** CPU time. */
export const cpu: Measure = (t) => t.cpu;

/** A thread, as the trace names it. */
export interface ThreadId {
  pid: number;
  tid: number;
}

/** Names of a thread's top-level tasks: DevTools' own, or the scheduler's when that is all there is. */
const TASK_NAMES = ['RunTask', 'ThreadControllerImpl::RunTask'];

/** The thread that recorded `console.timeStamp(message)`: the page's main thread. */
export function threadOfMarker(events: readonly TraceEvent[], message: string): ThreadId {
  const e = events.find((ev) => ev.name === 'TimeStamp' && ev.args?.data?.message === message);
  if (!e) throw new Error(`no console.timeStamp('${message}') in the trace`);
  return { pid: e.pid, tid: e.tid };
}

/** Times (ms) of every `console.timeStamp(message)` on `thread`. */
export function markerTimes(events: readonly TraceEvent[], thread: ThreadId, message: string): number[] {
  return on(events, thread)
    .filter((e) => e.name === 'TimeStamp' && e.args?.data?.message === message)
    .map((e) => e.ts / 1000);
}

/** Start times (ms) of every DOM event of `type` dispatched on `thread`. */
export function eventDispatches(events: readonly TraceEvent[], thread: ThreadId, type: string): number[] {
  return on(events, thread)
    .filter((e) => e.name === 'EventDispatch' && e.args?.data?.type === type)
    .map((e) => e.ts / 1000)
    .sort((a, b) => a - b);
}

/** The thread's outermost tasks, in order (a nested run loop's tasks are part of their parent). */
export function topLevelTasks(events: readonly TraceEvent[], thread: ThreadId): Task[] {
  const mine = on(events, thread).filter((e) => e.ph === 'X' && e.dur !== undefined);
  const name = TASK_NAMES.find((n) => mine.some((e) => e.name === n));
  const tasks = mine
    .filter((e) => e.name === name)
    .map((e) => ({ start: e.ts / 1000, end: (e.ts + e.dur!) / 1000, cpu: (e.tdur ?? e.dur!) / 1000 }))
    .sort((a, b) => a.start - b.start);
  const outer: Task[] = [];
  for (const t of tasks) {
    const last = outer.at(-1);
    if (last && t.start < last.end) {
      if (t.end > last.end) last.cpu += t.cpu; // only a task that outlasts its parent adds time of its own
      last.end = Math.max(last.end, t.end);
    }
    else outer.push({ ...t });
  }
  return outer;
}

/**
 * Main-thread time of each step: the busy time from the task that dispatched the step's input
 * event up to the task that dispatched the next one (or `until`). It covers the handler and the
 * frame it causes (style, layout, paint), wherever the browser schedules them.
 */
export function stepCosts(tasks: readonly Task[], inputs: readonly number[], until: number, measure: Measure = wall): number[] {
  const starts = inputs.map((t) => tasks.find((k) => k.start <= t && t <= k.end)?.start ?? t);
  return starts.map((from, i) => busyTime(tasks, from, starts[i + 1] ?? until, measure));
}

/** Sum of task durations for tasks starting in [from, to). */
export function busyTime(tasks: readonly Task[], from: number, to: number, measure: Measure = wall): number {
  return tasks.filter((t) => t.start >= from && t.start < to).reduce((sum, t) => sum + measure(t), 0);
}

/** The longest task starting in [from, to), or null when there is none. */
export function longestTask(tasks: readonly Task[], from = -Infinity, to = Infinity, measure: Measure = wall): Task | null {
  let best: Task | null = null;
  for (const t of tasks) {
    if (t.start >= from && t.start < to && (!best || measure(t) > measure(best))) best = t;
  }
  return best;
}

/** The task running at time `t`, or null. */
export function taskAt(tasks: readonly Task[], t: number): Task | null {
  return tasks.find((k) => k.start <= t && t <= k.end) ?? null;
}

/** The q-quantile (0..1) by nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function on(events: readonly TraceEvent[], thread: ThreadId): TraceEvent[] {
  return events.filter((e) => e.pid === thread.pid && e.tid === thread.tid);
}
