/**
 * Runs first in the ORT heap tool's inference worker (tools/pages/ort-heap-worker.ts): keeps every
 * WebAssembly.Memory created in this worker, i.e. ORT's heap, and answers the page's
 * 'wasm-heap' BroadcastChannel with the largest buffer's byteLength. Wasm memory never shrinks,
 * so that is the heap's high-water mark. Collects this worker's garbage first (when Chromium runs
 * with --js-flags=--expose-gc), so that a memory reading taken next sees live objects only.
 */
const memories: WebAssembly.Memory[] = [];
WebAssembly.Memory = new Proxy(WebAssembly.Memory, {
  construct(target, args: [WebAssembly.MemoryDescriptor]) {
    const memory = Reflect.construct(target, args) as WebAssembly.Memory;
    memories.push(memory);
    return memory;
  },
});

const channel = new BroadcastChannel('wasm-heap');
channel.onmessage = () => {
  (globalThis as { gc?: () => void }).gc?.();
  channel.postMessage(Math.max(0, ...memories.map((m) => m.buffer.byteLength)));
};
