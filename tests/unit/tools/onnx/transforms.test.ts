import { expect, test } from 'vitest';
import { GraphBuilder } from '../../../../tools/onnx/builder.ts';
import { toExternalData } from '../../../../tools/onnx/external-data.ts';
import { toFloat16 } from '../../../../tools/onnx/float16.ts';
import { linear, Rng } from '../../../../tools/onnx/layers.ts';
import { decodeModel, fromHalfBits, toHalfBits } from '../../../../tools/onnx/proto.ts';
import { quantizeDynamic8, quantizeMatMul4 } from '../../../../tools/onnx/quantize.ts';
import { ort, session } from '../../../fixtures/node-ort.ts';

// A small model with both weight kinds the transforms rewrite: an embedding Gather and MatMuls.
const [V, K, N] = [50, 64, 48];
function model(): Uint8Array {
  const b = new GraphBuilder('t');
  const rng = new Rng(7);
  const ids = b.input('ids', 'int64', ['b', 's']);
  const x = b.input('x', 'float32', ['b', 's', K]);
  const table = b.weight('table', rng.normal(V * K), [V, K]);
  const h = b.op('Add', [b.op('Gather', [table, ids], { axis: 0 }), x]);
  const y = linear(b, rng, b.op('Tanh', [linear(b, rng, h, K, K, 'l1')]), K, N, 'l2');
  b.output(b.op('Cast', [b.op('Cast', [y], { to: 10 })], { to: 1 }), 'y', 'float32', ['b', 's', N]);
  return b.toBytes();
}

const S = 5;
const idsData = BigInt64Array.from({ length: S }, (_, i) => BigInt((i * 13) % V));
const xData = new Rng(3).normal(S * K);

async function run(bytes: Uint8Array, half = false, externalData?: { path: string; data: Uint8Array }[]): Promise<{ y: Float32Array; type: string }> {
  const s = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], ...(externalData ? { externalData } : {}) });
  const x = half ? new ort.Tensor('float16', Uint16Array.from(xData, toHalfBits), [1, S, K]) : new ort.Tensor('float32', xData, [1, S, K]);
  const out = (await s.run({ ids: new ort.Tensor('int64', idsData, [1, S]), x })).y as ort.Tensor;
  await s.release();
  const y = out.type === 'float16' ? Float32Array.from(out.data as Uint16Array, fromHalfBits) : (out.data as Float32Array);
  return { y, type: out.type };
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);
const ops = (bytes: Uint8Array) => decodeModel(bytes).graph?.node?.map((n) => n.opType) ?? [];
const scale = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
/** RMS of the error relative to the RMS of the reference: ~0.1 for 4-bit blocks, ~1 for a wrong layout. */
const relError = (a: Float32Array, ref: Float32Array) => scale(a.map((v, i) => v - (ref[i] as number))) / scale(ref);

test('float16 halves (exact bits for representable values, round to nearest even, clamps to the half range)', () => {
  for (const v of [0, 1, -2, 0.5, 65504, 2 ** -24, 1 / 3, -1234.7]) expect(Math.abs(fromHalfBits(toHalfBits(v)) - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11);
  expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00); // tie -> even
  expect(fromHalfBits(toHalfBits(-1e9))).toBe(-65504);
});

test('each transform runs in onnxruntime-web and stays close to the float32 model', async () => {
  const fp32 = model();
  const ref = (await run(fp32)).y;
  const tol = 0.05 * scale(ref);

  const half = toFloat16(fp32);
  const halfOut = await run(half, true);
  expect(halfOut.type).toBe('float16');
  const halfIo = toFloat16(fp32, { keepIoTypes: true });
  const halfIoOut = await run(halfIo);
  expect(halfIoOut.type).toBe('float32');
  expect(maxDiff(halfIoOut.y, ref)).toBeLessThan(tol);
  expect(maxDiff(halfOut.y, halfIoOut.y)).toBeLessThan(tol);

  for (const type of ['int8', 'uint8'] as const) {
    const q = quantizeDynamic8(fp32, type);
    expect(ops(q)).toEqual(expect.arrayContaining(['DynamicQuantizeLinear', 'MatMulInteger', 'DequantizeLinear']));
    expect(ops(q)).not.toContain('MatMul');
    expect(maxDiff((await run(q)).y, ref)).toBeLessThan(2 * tol);
  }

  const q4 = quantizeMatMul4(fp32);
  expect(ops(q4).filter((o) => o === 'MatMulNBits')).toHaveLength(2);
  const q4Error = relError((await run(q4)).y, ref);
  console.log(`q4 relative RMS error ${q4Error.toFixed(3)}`);
  expect(q4Error).toBeLessThan(0.2);
  const q4f16 = quantizeMatMul4(half);
  const q4f16Out = await run(q4f16, true);
  expect(q4f16Out.type).toBe('float16');
  expect(relError(q4f16Out.y, ref)).toBeLessThan(0.2);
  // 4-bit weights shrink the file (the embedding table stays float, as MatMul4BitsQuantizer leaves Gathers).
  expect(q4.byteLength).toBeLessThan(fp32.byteLength);
});

test('external data: two chunks load through onnxruntime-web externalData and give identical outputs', async () => {
  const fp32 = model();
  const ext = toExternalData(fp32, 'model.onnx', 2);
  expect([...ext.data.keys()]).toEqual(['model.onnx_data', 'model.onnx_data_1']);
  for (const chunk of ext.data.values()) expect(chunk.byteLength).toBeGreaterThan(1000);
  expect(ext.model.byteLength).toBeLessThan(2000);
  await expect(session(ext.model)).rejects.toThrow();
  const files = [...ext.data].map(([path, data]) => ({ path, data }));
  expect((await run(ext.model, false, files)).y).toEqual((await run(fp32)).y);
});
