/**
 * Sentences of the benchmark report about where it ran: each is built from what the run measured
 * (load average, cores, the device and threads the runtime reported, the WebGPU adapter the page
 * saw), never written in advance.
 */

/** What the page saw of WebGPU: the adapter's name and whether it is a software fallback, or null. */
export interface AdapterFact {
  name: string;
  software: boolean;
}

/** Load averages above this many per core mean other work shared the machine during the run. */
const BUSY_PER_CORE = 0.5;

/** The machine's load during the run, and what it means for reading the numbers. */
export function loadSentence(loadAverage: readonly [number, number], cores: number): string {
  const [start, end] = loadAverage;
  const measured = `1-minute load average ${start.toFixed(1)} at the start, ${end.toFixed(1)} at the end, on ${cores} cores`;
  return Math.max(start, end) > BUSY_PER_CORE * cores
    ? `${measured}: other work shared the machine, so absolute times are inflated and noisy; read the side-by-side ratios and medians`
    : `${measured}: the machine was otherwise quiet`;
}

/** "2 WASM threads", "1 WASM thread". */
export function threadsLabel(numThreads: number): string {
  return `${numThreads} WASM thread${numThreads === 1 ? '' : 's'}`;
}

/** The WebGPU adapter the page saw, and that the timed runs used `device` instead when they did. */
export function gpuSentence(adapter: AdapterFact | null, device: string): string {
  const seen = adapter ? `${adapter.name}${adapter.software ? ' (a software fallback adapter, isFallbackAdapter)' : ''}` : 'none (navigator.gpu.requestAdapter() returned null)';
  return device === 'webgpu' ? `WebGPU adapter seen by the page: ${seen}; the timings ran on it.` : `WebGPU adapter seen by the page: ${seen}; the timings ran on ${device}, so there are no WebGPU numbers here.`;
}
