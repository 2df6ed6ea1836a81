/**
 * Peak memory of Chromium while something runs, read from outside the browser: the process ids
 * come from CDP (SystemInfo.getProcessInfo) and each process's proportional set size from Linux's
 * /proc/<pid>/smaps_rollup. A dedicated worker runs in its page's renderer, so the renderer
 * figure covers page + worker, ORT's wasm heap included; the GPU process holds WebGPU buffers.
 */
import { readFile } from 'node:fs/promises';
import type { Browser } from '@playwright/test';

/** Memory of Chromium's processes at one moment, bytes. */
export interface ProcessMemory {
  /** Sum over renderer processes (pages and their workers). */
  renderers: number;
  /** The GPU process. */
  gpu: number;
  /** Every Chromium process. */
  total: number;
}

async function pss(pid: number): Promise<number> {
  try {
    const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = /^Pss:\s+(\d+) kB/m.exec(text);
    return kb ? Number(kb[1]) * 1024 : 0;
  } catch {
    return 0; // the process ended between listing and reading
  }
}

/** Reads the memory of every process of `browser` once. */
export async function readProcessMemory(browser: Browser): Promise<ProcessMemory> {
  const cdp = await browser.newBrowserCDPSession();
  try {
    const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: Array<{ type: string; id: number }> };
    const out: ProcessMemory = { renderers: 0, gpu: 0, total: 0 };
    for (const { type, id } of processInfo) {
      const bytes = await pss(id);
      out.total += bytes;
      if (type === 'renderer') out.renderers += bytes;
      if (type === 'GPU') out.gpu += bytes;
    }
    return out;
  } finally {
    await cdp.detach();
  }
}

/** Samples {@link readProcessMemory} until stopped and keeps the peak of each figure. */
export class PeakMemorySampler {
  readonly #peak: ProcessMemory = { renderers: 0, gpu: 0, total: 0 };
  #running = true;
  readonly #loop: Promise<void>;

  /** Starts sampling every `intervalMs` (each reading also takes a few ms). */
  constructor(browser: Browser, intervalMs = 100) {
    this.#loop = (async () => {
      while (this.#running) {
        const m = await readProcessMemory(browser).catch(() => undefined);
        if (m) for (const k of ['renderers', 'gpu', 'total'] as const) this.#peak[k] = Math.max(this.#peak[k], m[k]);
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    })();
  }

  /** Stops sampling and returns the peaks. */
  async stop(): Promise<ProcessMemory> {
    this.#running = false;
    await this.#loop;
    return { ...this.#peak };
  }
}
