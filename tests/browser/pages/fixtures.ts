/**
 * Runs every model of the generated tiny package in onnxruntime-web on the requested execution
 * provider: fetch + integrity check, one session per file, one run with the declared inputs.
 * Exposes `window.runFixtures(ep)` for tests/browser/fixtures.spec.ts.
 */
import * as ort from 'onnxruntime-web/webgpu';
import wasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import mjs from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import { parseManifest } from '../../../src/models/parse.ts';
import { verifyFile } from '../../../src/models/verify.ts';

ort.env.wasm.wasmPaths = { wasm, mjs };
ort.env.wasm.numThreads = 1;

const base = '/tests/fixtures/generated/tiny/';

/** What one model run produced. */
interface ModelResult {
  file: string;
  outputs: Record<string, number[]>;
  finite: boolean;
  ms: number;
}

const f32 = (dims: number[], fill: (i: number) => number) =>
  new ort.Tensor('float32', Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => fill(i)), dims);
const i64 = (dims: number[], values: number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), dims);
const maxAbs = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);

async function runFixtures(ep: 'wasm' | 'webgpu') {
  const manifest = parseManifest(await (await fetch(`${base}manifest.json`)).json(), base);
  const { encoder, segmenter, projector, llm } = manifest;
  const sessions: Record<string, ort.InferenceSession> = {};
  const open = async (file: string) => {
    const bytes = new Uint8Array(await (await fetch(base + file)).arrayBuffer());
    await verifyFile(file, bytes, manifest.files[file] as { size: number; sha256: string });
    sessions[file] ??= await ort.InferenceSession.create(bytes, { executionProviders: [ep] });
    return sessions[file];
  };
  const results: ModelResult[] = [];
  const run = async (file: string, feeds: Record<string, ort.Tensor>) => {
    const s = await open(file);
    const t0 = performance.now();
    const out = await s.run(feeds);
    const ms = performance.now() - t0;
    const cpu: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(out)) cpu[name] = t.location === 'cpu' ? t : new ort.Tensor(t.type, await t.getData(), t.dims);
    results.push({
      file,
      outputs: Object.fromEntries(Object.entries(cpu).map(([k, t]) => [k, [...t.dims]])),
      finite: Object.values(cpu).every((t) => (t.type !== 'float32' ? true : (t.data as Float32Array).every(Number.isFinite))),
      ms,
    });
    return cpu;
  };

  const [h, w] = encoder.preprocess.cropSize;
  const hidden = await run(encoder.file, { [encoder.inputName]: f32([1, 3, h, w], (i) => Math.sin(i * 0.001)) });
  const d = encoder.hiddenSize;
  const n = encoder.grid[0] * encoder.grid[1];
  const patches = (hidden[encoder.outputName]?.data as Float32Array).slice(d);
  await run(projector.file, { [projector.inputName]: new ort.Tensor('float32', patches, [1, n, d]) });

  const pad = segmenter.preprocess.padSize;
  const emb = await run(segmenter.visionEncoder, { pixel_values: f32([1, 3, pad, pad], (i) => Math.cos(i * 0.0007)) });
  const points = f32([1, 3, 2, 2], (i) => ((i * 37) % pad) + 0.5);
  const labels = i64([1, 3, 2], [1, -1, 1, 0, 1, -1]);
  await run(segmenter.promptDecoder, { input_points: points, input_labels: labels, ...emb });

  // Decoder: full pass over 6 tokens vs prefill of 5 plus one cached step.
  const ids = [5, 300, 17, 99, 250, 42];
  const embeds = async (x: number[]) => (await run(llm.embedTokens, { input_ids: i64([1, x.length], x) })).inputs_embeds as ort.Tensor;
  const empty = () => {
    const past: Record<string, ort.Tensor> = {};
    for (let l = 0; l < llm.numLayers; l++) {
      for (const k of ['key', 'value']) past[`past_key_values.${l}.${k}`] = new ort.Tensor('float32', new Float32Array(0), [1, llm.numKeyValueHeads, 0, llm.headDim]);
    }
    return past;
  };
  const ones = (k: number) => i64([1, k], Array(k).fill(1));
  const range = (from: number, k: number) => i64([1, k], Array.from({ length: k }, (_, i) => from + i));
  const full = await run(llm.decoder, { inputs_embeds: await embeds(ids), attention_mask: ones(6), position_ids: range(0, 6), ...empty() });
  const pre = await run(llm.decoder, { inputs_embeds: await embeds(ids.slice(0, 5)), attention_mask: ones(5), position_ids: range(0, 5), ...empty() });
  const past: Record<string, ort.Tensor> = {};
  for (let l = 0; l < llm.numLayers; l++) {
    for (const k of ['key', 'value']) past[`past_key_values.${l}.${k}`] = pre[`present.${l}.${k}`] as ort.Tensor;
  }
  const step = await run(llm.decoder, { inputs_embeds: await embeds(ids.slice(5)), attention_mask: ones(6), position_ids: range(5, 1), ...past });
  const v = llm.vocabSize;
  const cacheDiff = maxAbs((step.logits?.data as Float32Array), (full.logits?.data as Float32Array).subarray(5 * v));
  await Promise.all(Object.values(sessions).map((s) => s.release()));
  return { manifest, results, cacheDiff };
}

Object.assign(window, { runFixtures });
