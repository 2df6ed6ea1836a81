/**
 * Headless page of `npm run bench` (tools/bench/run.ts drives it step by step). Every timing loop
 * lives here, in the browser, and interleaves what it compares so that drift hits all sides alike.
 */
import { type EncodedImage, type HubLoadOptions, MaskLlava } from '../../src/index.ts';
import type { AdapterFact } from '../bench/report-facts.ts';
import type { Box } from '../../src/worker/protocol.ts';
import type { PlanImageOptions } from '../../src/tokens/plan.ts';
import type { TjsRequest, TjsResponse } from './tjs-worker.ts';

/** One plan to time, e.g. `{ label: '57', plan: { budget: 57 } }`. */
export interface BenchTarget {
  label: string;
  plan: PlanImageOptions;
}

/** One timed generation. */
export interface GenerationTiming {
  /** Call to the end of a one-token answer, main thread, ms. */
  ttftMs: number;
  prefillMs: number;
  prefillTokens: number;
  visualTokens: number;
}

/** Timings of one encode() call. */
export interface EncodeTiming {
  totalMs: number;
  encodeMs: number;
  segmentMs: number;
  masks: number;
}

/** Memory readings. */
export interface MemoryReading {
  /** performance.memory.usedJSHeapSize of the page (main thread), bytes; null if unsupported. */
  mainHeap: number | null;
  /** performance.measureUserAgentSpecificMemory() total (page + workers), bytes; null if unsupported. */
  uaTotal: number | null;
}

const models = new Map<string, MaskLlava>();
const images = new Map<string, EncodedImage>();
let longTasks: PerformanceEntry[] = [];
let tjs: Worker | undefined;

new PerformanceObserver((list) => {
  longTasks.push(...list.getEntries());
}).observe({ type: 'longtask', buffered: true });

function model(key: string): MaskLlava {
  const m = models.get(key);
  if (!m) throw new Error(`no model loaded as ${key}`);
  return m;
}

/**
 * A 336x336 scene of 25 coloured squares, drawn here so the benchmark needs no image file, and
 * their boxes: encoding with boxes gives 25 object masks, so balanced plans hit the paper's exact
 * token counts (57 = 1+36+20) even with the random-weight segmenter.
 */
function scene(): { pixels: ImageData; boxes: Box[] } {
  const ctx = new OffscreenCanvas(336, 336).getContext('2d')!;
  ctx.fillStyle = '#d8d2c4';
  ctx.fillRect(0, 0, 336, 336);
  const colours = ['#d72323', '#23a037', '#234bd7', '#f0cd19', '#9137b9'];
  const boxes: Box[] = [];
  for (let i = 0; i < 25; i++) {
    const [x, y] = [(i % 5) * 67 + 6, Math.floor(i / 5) * 67 + 6];
    ctx.fillStyle = colours[(i + Math.floor(i / 5)) % colours.length]!;
    ctx.fillRect(x, y, 52, 52);
    boxes.push([x, y, x + 52, y + 52]);
  }
  return { pixels: ctx.getImageData(0, 0, 336, 336), boxes };
}

async function oneToken(m: MaskLlava, image: EncodedImage, prompt: string, plan: PlanImageOptions): Promise<GenerationTiming> {
  const t0 = performance.now();
  const gen = m.generate(image, prompt, { plan: image.plan(plan), maxNewTokens: 1 });
  const usage = await gen.usage;
  return { ttftMs: performance.now() - t0, prefillMs: usage.timings.prefillMs, prefillTokens: usage.prefillTokens, visualTokens: usage.visualTokens.total };
}

function tjsCall(req: TjsRequest): Promise<TjsResponse> {
  tjs ??= new Worker(new URL('./tjs-worker.ts', import.meta.url), { type: 'module' });
  const worker = tjs;
  return new Promise((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<TjsResponse | { error: string }>) => ('error' in e.data ? reject(new Error(e.data.error)) : resolve(e.data));
    worker.onerror = (e) => reject(new Error(e.message));
    worker.postMessage(req);
  });
}

const bench = {
  /** The WebGPU adapter this page sees (for the report's header), or null. */
  async webgpu(): Promise<AdapterFact | null> {
    type Adapter = { isFallbackAdapter?: boolean; info?: { vendor?: string; architecture?: string; isFallbackAdapter?: boolean } };
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<Adapter | null> } }).gpu;
    const adapter = await gpu?.requestAdapter().catch(() => null);
    if (!adapter) return null;
    const info = adapter.info;
    return { name: [info?.vendor, info?.architecture].filter(Boolean).join(' ') || 'unnamed adapter', software: Boolean(info?.isFallbackAdapter ?? adapter.isFallbackAdapter) };
  },

  /** Loads a model under `key`. */
  async load(key: string, url: string, numThreads: number) {
    const t0 = performance.now();
    const m = await MaskLlava.load(url, { device: 'wasm', numThreads, cacheName: null });
    models.set(key, m);
    return { device: m.device, numThreads: m.numThreads, loadMs: performance.now() - t0 };
  },

  /** Loads a published-layout VLM + segmenter by repo id from `source.host` under `key`. */
  async loadHub(key: string, source: HubLoadOptions, numThreads: number) {
    const t0 = performance.now();
    const m = await MaskLlava.load({ ...source, device: 'wasm', numThreads, cacheName: null });
    models.set(key, m);
    return { device: m.device, numThreads: m.numThreads, loadMs: performance.now() - t0, bytes: m.loadInfo.bytes, approximate: m.manifest.encoder.hasCls === false };
  },

  /** Ends the model under `key` (and its image), freeing its worker. */
  async unload(key: string) {
    images.get(key)?.release();
    images.delete(key);
    await models.get(key)?.dispose();
    models.delete(key);
  },

  /**
   * transformers.js alone (no other ORT instance alive): loads `repo` by id from `host` with the
   * same files, warms up once, then times image + question to the first token `reps` times.
   */
  async transformersAlone(host: string, repo: string, dtype: Record<string, string>, prompt: string, numThreads: number, reps: number) {
    const load = await tjsCall({ kind: 'load-hub', host, id: repo, dtype, numThreads });
    const rows = (await bench.transformersRounds(prompt, reps + 1)).slice(1);
    bench.endTransformers();
    return { loadMs: load.kind === 'load' ? load.ms : NaN, rows };
  },

  /**
   * Encodes the benchmark scene `reps` times with automatic mask generation (timed; 0 is fine),
   * then once more from its boxes, which is the encoding the generation loops use.
   */
  async encode(key: string, reps: number): Promise<EncodeTiming[]> {
    const { pixels, boxes } = scene();
    const out: EncodeTiming[] = [];
    for (let i = 0; i < reps; i++) {
      const img = await model(key).encode(pixels);
      out.push({ totalMs: img.timings.totalMs, encodeMs: img.timings.encodeMs, segmentMs: img.timings.segmentMs, masks: img.masks.length });
      img.release();
    }
    images.get(key)?.release();
    images.set(key, await model(key).encode(pixels, { boxes }));
    return out;
  },

  /**
   * Times a one-token answer per target, `reps` rounds with the targets interleaved in each, and
   * reports the longest main-thread task seen while they ran.
   */
  async generate(keys: string[], targets: BenchTarget[], prompt: string, reps: number) {
    const timings: Record<string, GenerationTiming[]> = {};
    longTasks = [];
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) {
      for (const key of keys) {
        for (const t of targets) {
          const img = images.get(key);
          if (!img) throw new Error(`encode an image for ${key} first`);
          (timings[`${key}/${t.label}`] ??= []).push(await oneToken(model(key), img, prompt, t.plan));
        }
      }
    }
    const during = longTasks.filter((e) => e.startTime >= t0);
    return { timings, longestTaskMs: Math.max(0, ...during.map((e) => e.duration)), longTasks: during.length };
  },

  /** transformers.js's one-token answers on the benchmark scene, `reps` rounds (load it first). */
  async transformersRounds(prompt: string, reps: number): Promise<Array<{ ms: number; inputTokens: number }>> {
    const { pixels } = scene();
    const rows: Array<{ ms: number; inputTokens: number }> = [];
    for (let r = 0; r < reps; r++) {
      const t = await tjsCall({ kind: 'ttft', rgba: { data: pixels.data, width: pixels.width, height: pixels.height }, prompt });
      if (t.kind !== 'ttft') throw new Error('unexpected transformers.js reply');
      rows.push({ ms: t.ms, inputTokens: t.inputTokens });
    }
    return rows;
  },

  /** Ends transformers.js's worker (and its ORT instance). */
  endTransformers() {
    tjs?.terminate();
    tjs = undefined;
  },

  /** Loads transformers.js's LLaVA on the package in its own worker; returns the load time, ms. */
  async loadTransformers(packageUrl: string, numThreads: number): Promise<number> {
    // The package's llm/ folder is its transformers.js llava view.
    const load = await tjsCall({ kind: 'load', root: new URL(packageUrl, location.href).pathname, id: 'llm', numThreads });
    return load.kind === 'load' ? load.ms : NaN;
  },

  /**
   * Side by side, `reps` rounds: transformers.js's LLaVA (image + question to first token) against
   * ours on a new image (encode + one token) and on an encoded image (one token).
   */
  async versusTransformers(key: string, prompt: string, reps: number) {
    const m = model(key);
    const { pixels } = scene();
    const full: PlanImageOptions = { budget: m.manifest.encoder.grid[0] * m.manifest.encoder.grid[1], policy: 'patch-only' };
    const rows: Array<{ tjsMs: number; tjsTokens: number; oursNewImageMs: number; oursEncodedMs: number; oursPrefillTokens: number }> = [];
    for (let r = 0; r < reps; r++) {
      const theirs = () => tjsCall({ kind: 'ttft', rgba: { data: pixels.data, width: pixels.width, height: pixels.height }, prompt });
      // Alternate who goes first, so neither side always runs right after the other's work.
      const before = r % 2 === 0 ? await theirs() : undefined;
      const t0 = performance.now();
      const img = await m.encode(pixels);
      const fresh = await oneToken(m, img, prompt, full);
      const oursNewImageMs = performance.now() - t0;
      const reuse = await oneToken(m, img, prompt, full);
      img.release();
      const t = before ?? (await theirs());
      if (t.kind !== 'ttft') throw new Error('unexpected transformers.js reply');
      rows.push({ tjsMs: t.ms, tjsTokens: t.inputTokens, oursNewImageMs, oursEncodedMs: reuse.ttftMs, oursPrefillTokens: fresh.prefillTokens });
    }
    return rows;
  },

  /**
   * Memory after `questions` eight-token answers on the kept image (after a GC when exposed);
   * `whole` adds measureUserAgentSpecificMemory, which takes tens of seconds here.
   */
  async memoryAfter(key: string, questions: number, prompt: string, whole: boolean): Promise<MemoryReading> {
    const img = images.get(key);
    if (!img) throw new Error(`encode an image for ${key} first`);
    for (let i = 0; i < questions; i++) await model(key).generate(img, prompt, { plan: img.plan({ budget: 57 }), maxNewTokens: 8 }).text;
    (globalThis as { gc?: () => void }).gc?.();
    const perf = performance as Performance & {
      memory?: { usedJSHeapSize: number };
      measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }>;
    };
    // The measurement waits for a GC of its own; give up after 90 s rather than hang the run.
    const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), 90_000));
    const measure = whole && self.crossOriginIsolated ? perf.measureUserAgentSpecificMemory?.() : undefined;
    const ua = measure ? await Promise.race([measure, timeout]) : null;
    return { mainHeap: perf.memory?.usedJSHeapSize ?? null, uaTotal: ua?.bytes ?? null };
  },

  /** Frees everything. */
  async dispose() {
    for (const img of images.values()) img.release();
    images.clear();
    await Promise.all([...models.values()].map((m) => m.dispose()));
    models.clear();
    tjs?.terminate();
  },
};

/** The page's API as the driver sees it. */
export type BenchPage = typeof bench;

declare global {
  interface Window {
    bench: BenchPage;
  }
}

window.bench = bench;
document.title = 'ready';
