/**
 * Headless page of `npm run bench:ort-heap` (tools/bench/ort-heap.ts drives it): loads a model
 * through the SDK on WASM, encodes, answers, and reads ORT's wasm heap from the SDK's own worker,
 * started from tools/pages/ort-heap-worker.ts so that the heap probe is installed first.
 */
import { type EncodedImage, MaskLlava } from '../../src/index.ts';

const SDK_WORKER = '/src/worker/entry.ts';
const NativeWorker = Worker;
globalThis.Worker = class extends NativeWorker {
  constructor(url: string | URL, options?: WorkerOptions) {
    super(String(url).includes(SDK_WORKER) ? new URL('./ort-heap-worker.ts', import.meta.url) : url, options);
  }
};

let model: MaskLlava | undefined;
let image: EncodedImage | undefined;

/** The ORT worker's wasm heap and its size when ORT created it, bytes (0 before ORT starts), after a GC of page and worker. */
function wasmHeap(): Promise<{ heap: number; start: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const channel = new BroadcastChannel('wasm-heap');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the inference worker did not answer the heap probe')), 5000);
    channel.onmessage = (e: MessageEvent<{ heap: number; start: number }>) => {
      clearTimeout(timer);
      channel.close();
      resolve(e.data);
    };
    channel.postMessage('size?');
  });
}

/** A 336x336 scene of coloured shapes, drawn here so the tool needs no image file. */
function scene(): ImageData {
  const ctx = new OffscreenCanvas(336, 336).getContext('2d')!;
  ctx.fillStyle = '#d8d2c4';
  ctx.fillRect(0, 0, 336, 336);
  const colours = ['#d72323', '#23a037', '#234bd7', '#f0cd19'];
  for (let i = 0; i < 9; i++) {
    ctx.fillStyle = colours[i % colours.length]!;
    ctx.beginPath();
    ctx.arc((i % 3) * 110 + 58, Math.floor(i / 3) * 110 + 58, 20 + 4 * i, 0, 2 * Math.PI);
    ctx.fill();
  }
  return ctx.getImageData(0, 0, 336, 336);
}

const ortHeap = {
  /** Loads `url` on WASM with 2 threads; returns the files' bytes, the heap after load and ORT's initial heap. */
  async load(url: string) {
    model = await MaskLlava.load(url, { device: 'wasm', numThreads: 2, cacheName: null });
    const { heap, start } = await wasmHeap();
    return { device: model.device, files: model.loadInfo.bytes, heap, start };
  },
  /** Encodes the scene (automatic mask generation); returns the heap after. */
  async encode() {
    image = await model!.encode(scene());
    return { masks: image.masks.length, heap: (await wasmHeap()).heap };
  },
  /** Asks `n` eight-token questions on the encoded scene; returns the heap after. */
  async answer(n: number) {
    for (let i = 0; i < n; i++) await model!.generate(image!, 'How many red circles are there?', { plan: image!.plan({ budget: 57 }), maxNewTokens: 8 }).text;
    return { heap: (await wasmHeap()).heap };
  },
  async dispose() {
    image?.release();
    await model?.dispose();
  },
};

declare global {
  interface Window {
    ortHeap: typeof ortHeap;
  }
}
window.ortHeap = ortHeap;
document.title = 'ready';
