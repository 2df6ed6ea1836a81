import { expect, test } from 'vitest';
import { gpuSentence, loadSentence, threadsLabel } from '../../../../tools/bench/report-facts.ts';

test('the load sentence says the machine was shared only when the measured load says so', () => {
  expect(loadSentence([0.3, 0.2], 2)).toBe('1-minute load average 0.3 at the start, 0.2 at the end, on 2 cores: the machine was otherwise quiet');
  expect(loadSentence([2.7, 0.5], 2)).toContain('other work shared the machine');
  expect(loadSentence([0.4, 0.4], 16)).not.toContain('shared');
});

test('threads and the WebGPU adapter come from what the run reported', () => {
  expect(threadsLabel(1)).toBe('1 WASM thread');
  expect(threadsLabel(4)).toBe('4 WASM threads');
  expect(gpuSentence(null, 'wasm')).toBe('WebGPU adapter seen by the page: none (navigator.gpu.requestAdapter() returned null); the timings ran on wasm, so there are no WebGPU numbers here.');
  expect(gpuSentence({ name: 'google swiftshader', software: true }, 'wasm')).toContain('google swiftshader (a software fallback adapter, isFallbackAdapter)');
  expect(gpuSentence({ name: 'nvidia hopper', software: false }, 'webgpu')).toBe('WebGPU adapter seen by the page: nvidia hopper; the timings ran on it.');
});
