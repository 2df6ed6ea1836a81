/**
 * ONNX Runtime set-up: which device runs, how many WASM threads, where ORT's wasm assets come
 * from, and session creation. This folder is the only code that imports onnxruntime-web.
 */
import type * as ort from 'onnxruntime-web/webgpu';
import * as ortWasm from 'onnxruntime-web/wasm';
import * as ortWebGPU from 'onnxruntime-web/webgpu';
// Served from the package, never a CDN; production builds hang unless these paths are explicit.
import plainMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import plainWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import asyncifyMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import asyncifyWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import { NoWebGPUError, SessionError, WorkerCrashedError } from '../errors.ts';
import type { GraphOptimizationLevel } from '../models/manifest.ts';
import { externalizeWeights } from './external-weights.ts';
import { identityModel } from './identity-model.ts';
import type { Device, DevicePreference } from './protocol.ts';

/**
 * The ORT build per device, each with its own env, Tensor class and wasm heap. WebGPU needs the
 * asyncify build (27 MB of wasm); WASM runs the plain one (14 MB), which reached the demo's first
 * answer ~1.9x sooner from a cold start (docs/BENCHMARKS.md).
 */
const BUILDS: Record<Device, { ort: typeof ortWebGPU; wasm: string; mjs: string }> = {
  webgpu: { ort: ortWebGPU, wasm: asyncifyWasmUrl, mjs: asyncifyMjsUrl },
  wasm: { ort: ortWasm, wasm: plainWasmUrl, mjs: plainMjsUrl },
};

/** The build of the chosen device: one model, on one device, per worker. */
let runtime = BUILDS.wasm.ort;

/** The device that runs, and why it was chosen. */
export interface DeviceChoice {
  /** The device every session runs on. */
  device: Device;
  /** Human-readable reason, e.g. "navigator.gpu.requestAdapter() returned null". */
  reason: string;
  /** WASM threads ORT uses (for WebGPU too: CPU fallback kernels run on WASM). */
  numThreads: number;
  /** Whether the WebGPU adapter has 'shader-f16' (fp16 kernels); false on WASM. */
  shaderF16: boolean;
}

/** The parts of a GPUAdapter the probe reads (isFallbackAdapter moved from the adapter to its info). */
interface AdapterLike {
  isFallbackAdapter?: boolean;
  info?: { vendor?: string; architecture?: string; isFallbackAdapter?: boolean };
  features?: { has(name: string): boolean };
}

/** Whether WebGPU can run here, on which adapter, whether it is a software one and has shader-f16; when not, why not. */
async function probeWebGPU(): Promise<{ ok: true; adapter: string; software: boolean; shaderF16: boolean } | { ok: false; why: string }> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<AdapterLike | null> } }).gpu;
  if (!gpu) return { ok: false, why: 'navigator.gpu is undefined (this browser or context has no WebGPU)' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { ok: false, why: 'navigator.gpu.requestAdapter() returned null' };
    const info = adapter.info;
    return {
      ok: true,
      adapter: [info?.vendor, info?.architecture].filter(Boolean).join(' ') || 'unnamed adapter',
      software: Boolean(info?.isFallbackAdapter ?? adapter.isFallbackAdapter),
      shaderF16: adapter.features?.has('shader-f16') ?? false,
    };
  } catch (err) {
    return { ok: false, why: `navigator.gpu.requestAdapter() threw: ${String(err)}` };
  }
}

/**
 * Picks the device and configures its ORT build's env once, before the first session: WASM threads are
 * min(4, hardwareConcurrency) when the context is cross-origin isolated (SharedArrayBuffer), else 1,
 * unless `numThreads` says otherwise.
 */
export async function chooseDevice(preference: DevicePreference, numThreads?: number): Promise<DeviceChoice> {
  const choice = await pickDevice(preference, numThreads);
  const build = BUILDS[choice.device];
  runtime = build.ort;
  runtime.env.wasm.numThreads = choice.numThreads;
  runtime.env.wasm.wasmPaths = { wasm: build.wasm, mjs: build.mjs };
  // ORT warns on every WebGPU session that shape ops run on the CPU, which is by design.
  runtime.env.logLevel = 'error';
  return choice;
}

/** The device for `preference`, and the WASM threads. */
async function pickDevice(preference: DevicePreference, numThreads?: number): Promise<DeviceChoice> {
  const isolated = self.crossOriginIsolated;
  const threads = isolated ? (numThreads ?? Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
  const threadNote = isolated ? `${threads} WASM threads` : '1 WASM thread (page is not cross-origin isolated)';
  if (preference === 'wasm') return { device: 'wasm', reason: `device 'wasm' was requested; ${threadNote}`, numThreads: threads, shaderF16: false };
  const probe = await probeWebGPU();
  if (probe.ok && probe.software && preference === 'auto') {
    // A software adapter (e.g. SwiftShader) runs these models orders of magnitude slower than WASM.
    const why = `the WebGPU adapter (${probe.adapter}) is a software fallback (isFallbackAdapter), far slower than WASM`;
    return { device: 'wasm', reason: `${why}; running on WASM with ${threadNote}; pass device: 'webgpu' to use it anyway`, numThreads: threads, shaderF16: false };
  }
  if (probe.ok) {
    const note = probe.software ? " (a software fallback adapter, requested with device: 'webgpu')" : '';
    const f16 = probe.shaderF16 ? 'with shader-f16' : 'without shader-f16';
    return { device: 'webgpu', reason: `WebGPU adapter: ${probe.adapter} (${f16})${note}`, numThreads: threads, shaderF16: probe.shaderF16 };
  }
  if (preference === 'webgpu') {
    throw new NoWebGPUError(`device 'webgpu' was requested but ${probe.why}; pass device: 'auto' to fall back to WASM`, {
      reason: probe.why,
    });
  }
  return { device: 'wasm', reason: `WebGPU unavailable: ${probe.why}; running on WASM with ${threadNote}`, numThreads: threads, shaderF16: false };
}

/**
 * Calls `onLost` once the GPU device ORT runs on is lost (driver reset, GPU removed,
 * device.destroy()): every later run on it fails, so the caller must start afresh.
 */
export async function watchDeviceLoss(onLost: (why: string) => void): Promise<void> {
  const device = (await ortWebGPU.env.webgpu.device) as { lost?: Promise<{ reason?: string; message?: string }> } | undefined;
  deviceLost = device?.lost?.then((info) => {
    const why = `${info.reason ?? 'unknown'}: ${info.message ?? ''}`;
    onLost(why);
    return why;
  });
}

/** Resolves with why, once the watched GPU device is lost. */
let deviceLost: Promise<string> | undefined;

/**
 * Why the watched GPU device is lost, or undefined while it lives. A run on a destroyed device can
 * fail before `device.lost` settles, so this waits for it briefly.
 */
async function lostDeviceReason(): Promise<string | undefined> {
  if (!deviceLost) return undefined;
  return Promise.race([deviceLost, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 200))]);
}

/** Options for one session beyond its device. */
export interface SessionOptions {
  /** Outputs to keep on the GPU (WebGPU only), e.g. the KV cache. */
  gpuOutputs?: readonly string[];
  /** External data files, each under the name the model records as its location. */
  externalData?: ReadonlyArray<{ path: string; data: Uint8Array }>;
  /** ORT's graph optimisation level (the model's manifest may lower it; docs/model-format.md). */
  graphOptimizationLevel?: GraphOptimizationLevel | undefined;
}

let creation: Promise<unknown> = Promise.resolve();

/** The external-data name under which a model's own bytes serve its weights. */
const WEIGHTS_IN_MODEL = 'mask-llava-web:weights-in-model';

/**
 * The model's graph with its weights referring to `bytes` as external data (see
 * external-weights.ts: ORT then copies each weight into its heap once, not three times), or
 * undefined to hand ORT the bytes as they are: no large weights, or bytes that do not parse, which
 * ORT reports better.
 */
function weightsOutsideHeap(bytes: Uint8Array): Uint8Array | undefined {
  try {
    return externalizeWeights(bytes, WEIGHTS_IN_MODEL);
  } catch {
    return undefined;
  }
}

/**
 * Creates a session on `device`. ORT cannot create WASM/WebGPU sessions concurrently, so
 * creation is chained. The execution provider list has exactly one entry: no silent fallback.
 */
export function createSession(name: string, bytes: Uint8Array, device: Device, opts: SessionOptions = {}): Promise<ort.InferenceSession> {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: [device],
    graphOptimizationLevel: opts.graphOptimizationLevel ?? 'all',
    // On WASM, MLAS's prepacked copy of each float MatMul weight is ~30% more heap after load
    // (bench package decoder: 99.7 -> 69.2 MiB), with no speed difference measurable in node.
    ...(device === 'wasm' ? { extra: { session: { disable_prepacking: '1' } } } : {}),
  };
  const graph = weightsOutsideHeap(bytes);
  const externalData = [...(opts.externalData ?? []), ...(graph ? [{ path: WEIGHTS_IN_MODEL, data: bytes }] : [])];
  if (externalData.length) options.externalData = externalData;
  if (device === 'webgpu' && opts.gpuOutputs?.length) {
    options.preferredOutputLocation = Object.fromEntries(opts.gpuOutputs.map((o) => [o, 'gpu-buffer' as const]));
  }
  return chained(graph ?? bytes, options, (err) =>
    new SessionError(`could not create the ${name} session on ${device}: ${String(err)}; check that the file is a valid ONNX model`, { session: name, device }),
  );
}

/** Creates a session after every creation already asked for; ORT's failure becomes `failure(err)`. */
function chained(model: Uint8Array, options: ort.InferenceSession.SessionOptions, failure: (err: unknown) => Error): Promise<ort.InferenceSession> {
  const next = creation.then(async () => {
    try {
      return await runtime.InferenceSession.create(model, options);
    } catch (err) {
      throw failure(err);
    }
  });
  creation = next.catch(() => undefined);
  return next;
}

/**
 * Starts ONNX Runtime on `device` (its wasm fetched and compiled, its threads, the WebGPU device)
 * by creating and releasing a one-node session, so that start-up overlaps the model's downloads
 * instead of following them. Sessions created after it wait for it (creation is chained); a
 * runtime that cannot start rejects with a SessionError.
 */
export async function startRuntime(device: Device): Promise<void> {
  const session = await chained(identityModel(), { executionProviders: [device] }, (err) =>
    new SessionError(`ONNX Runtime could not start on ${device}: ${String(err)}; check that its .wasm and .mjs files are served with the page`, {
      session: 'start-up',
      device,
    }),
  );
  await session.release();
}

/** A CPU tensor of the device's ORT build (each build has its own Tensor class). */
export function cpuTensor<T extends ort.Tensor.Type>(type: T, data: ort.Tensor.DataTypeMap[T], dims: readonly number[]): ort.Tensor {
  return new runtime.Tensor(type, data, dims);
}

/** Runs a session, turning ORT failures into SessionError naming the session. */
export async function runSession(
  name: string,
  session: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
): Promise<ort.InferenceSession.OnnxValueMapType> {
  try {
    return await session.run(feeds);
  } catch (err) {
    // A lost device is the worker's end, not this session's fault: the call reports the crash.
    const lost = await lostDeviceReason();
    if (lost !== undefined) throw new WorkerCrashedError(`the WebGPU device was lost (${lost}); the next call restarts the worker on a new device`);
    const shapes = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, t.dims.join('x')]));
    throw new SessionError(`the ${name} session failed: ${String(err)}; inputs were ${JSON.stringify(shapes)}`, { session: name, shapes });
  }
}

export type { ort };
