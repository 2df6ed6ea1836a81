/** The SDK's inference worker with the wasm heap probe installed before ORT starts. */
import './wasm-heap-probe.ts';
import '../../src/worker/entry.ts';
