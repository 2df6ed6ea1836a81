// resolveHubModel against the Hub mirror serving the generated Hub-layout fixtures: every dtype of
// the nanoLLaVA-layout and SlimSAM-layout repos derives a manifest whose sizes and hashes are the
// files' own.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Dtype } from '../../../src/models/dtype.ts';
import { resolveHubModel } from '../../../src/models/hub.ts';
import { FIXTURE_DTYPES, NANOLLAVA_EXTERNAL_DATA_REPO, NANOLLAVA_REPO, SLIMSAM_REPO } from '../../../tools/fixtures/hub-layout.ts';
import { HUB_FIXTURES_DIR, serveHubMirror } from '../../browser/hub-mirror.ts';

let server: Server;
let host: string;
beforeAll(async () => {
  server = await serveHubMirror(0);
  host = `http://localhost:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const wasm = { device: 'wasm', shaderF16: false } as const;

test.each(FIXTURE_DTYPES)('the nanoLLaVA-layout fixture resolves in %s', async (dtype) => {
  const segmenter: Dtype = ['fp32', 'fp16', 'q8'].includes(dtype) ? dtype : 'q8';
  const { manifest, plan } = await resolveHubModel({ vlm: NANOLLAVA_REPO, segmenter: SLIMSAM_REPO, host, dtype: { encoder: dtype, embedTokens: dtype, decoder: dtype, segmenter } }, wasm, { cacheName: null });
  expect(manifest.encoder).toMatchObject({ grid: [27, 27], hiddenSize: 64, hasCls: false, preprocess: { mode: 'resize', cropSize: [384, 384] } });
  expect(manifest.llm).toMatchObject({ hiddenSize: 64, numLayers: 2, numKeyValueHeads: 4, headDim: 16, vocabSize: 512 });
  expect(manifest.prompt.imageToken).toBe('<image>');
  for (const f of plan.files) {
    const bytes = readFileSync(join(HUB_FIXTURES_DIR, f.repo, f.path));
    expect(manifest.files[f.key], f.key).toEqual({ size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  }
});

test('the external-data fixture lists every chunk after its model file', async () => {
  const { plan, manifest } = await resolveHubModel({ vlm: NANOLLAVA_EXTERNAL_DATA_REPO, segmenter: SLIMSAM_REPO, host, dtype: 'fp32' }, wasm, { cacheName: null });
  const dec = `${NANOLLAVA_EXTERNAL_DATA_REPO}/onnx/decoder_model_merged.onnx`;
  expect(manifest.externalData?.[dec]).toEqual([`${dec}_data`, `${dec}_data_1`]);
  expect(Object.keys(manifest.externalData ?? {})).toHaveLength(3);
  for (const f of plan.files) expect(manifest.files[f.key]?.size, f.key).toBe(readFileSync(join(HUB_FIXTURES_DIR, f.repo, f.path)).length);
});
