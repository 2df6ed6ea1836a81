/**
 * Runs first in the ORT heap tool's inference worker (tools/pages/ort-heap-worker.ts): keeps every
 * WebAssembly.Memory created in this worker, i.e. ORT's heap, and answers the page's
 * 'wasm-heap' BroadcastChannel with the largest buffer's byteLength and its size when created.
 * Wasm memory never shrinks, so the first is the heap's high-water mark; the second is what ORT
 * reserves before any model (its initial memory). Collects this worker's garbage first (when Chromium runs
 * with --js-flags=--expose-gc), so that a memory reading taken next sees live objects only.
 */
const memories: Array<{ memory: WebAssembly.Memory; start: number }> = [];
WebAssembly.Memory = new Proxy(WebAssembly.Memory, {
  construct(target, args: [WebAssembly.MemoryDescriptor]) {
    const memory = Reflect.construct(target, args) as WebAssembly.Memory;
    memories.push({ memory, start: memory.buffer.byteLength });
    return memory;
  },
});

const channel = new BroadcastChannel('wasm-heap');
channel.onmessage = () => {
  (globalThis as { gc?: () => void }).gc?.();
  const largest = memories.reduce<(typeof memories)[number] | undefined>((a, m) => (a && a.memory.buffer.byteLength >= m.memory.buffer.byteLength ? a : m), undefined);
  channel.postMessage({ heap: largest?.memory.buffer.byteLength ?? 0, start: largest?.start ?? 0 });
};
