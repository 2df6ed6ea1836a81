import { createHash } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { InvalidArgumentError, ModelFileMissingError } from '../../../src/errors.ts';
import { checkRepoId, hubFileUrl, hubLocation } from '../../../src/models/hub-location.ts';
import { fileInfoFromHeaders, probeFile } from '../../../src/models/hub-requests.ts';
import { resolveHubModel } from '../../../src/models/hub.ts';
import {
  nanoLlavaConfig,
  nanoLlavaGeneration,
  nanoLlavaPreprocessor,
  nanoLlavaTokenizer,
  slimSamConfig,
  slimSamPreprocessor,
} from '../../fixtures/hub-json.ts';

const VLM = 'onnx-community/nanoLLaVA-1.5';
const SAM = 'Xenova/slimsam-77-uniform';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const text = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const bytesOf = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * seed) % 251);

/** A repo file and whether the server treats it as an LFS entry (sha256 in X-Linked-Etag). */
const repo = new Map<string, Uint8Array>([
  [`${VLM}/config.json`, text(nanoLlavaConfig)],
  [`${VLM}/preprocessor_config.json`, text(nanoLlavaPreprocessor)],
  [`${VLM}/generation_config.json`, text(nanoLlavaGeneration)],
  [`${VLM}/tokenizer.json`, text(nanoLlavaTokenizer)],
  [`${VLM}/tokenizer_config.json`, text({ chat_template: '{{ messages }}' })],
  [`${SAM}/config.json`, text(slimSamConfig)],
  [`${SAM}/preprocessor_config.json`, text(slimSamPreprocessor)],
]);
for (const [i, name] of ['vision_encoder_quantized', 'embed_tokens_quantized', 'decoder_model_merged_q4', 'decoder_model_merged'].entries()) {
  repo.set(`${VLM}/onnx/${name}.onnx`, bytesOf(1000 + i, 7 + i));
}
repo.set(`${VLM}/onnx/decoder_model_merged.onnx_data`, bytesOf(5000, 3));
repo.set(`${SAM}/onnx/vision_encoder_quantized.onnx`, bytesOf(300, 11));
repo.set(`${SAM}/onnx/prompt_encoder_mask_decoder_quantized.onnx`, bytesOf(200, 13));

let server: Server;
let host: string;
const requests: string[] = [];

beforeAll(async () => {
  // The Hub's resolve endpoint: Range support, and for LFS files (*.onnx*) X-Linked-Size and a
  // sha256 X-Linked-Etag; JSON files get a git-sha1-like ETag, which is not a content sha256.
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers.range ?? ''}`);
    const m = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(req.url ?? '');
    const body = m && m[2] === 'main' ? repo.get(`${m[1]}/${m[3]}`) : undefined;
    if (!body) return void res.writeHead(404).end('not found');
    const lfs = m![3]!.includes('.onnx');
    const headers: Record<string, string> = lfs
      ? { 'x-linked-size': String(body.length), 'x-linked-etag': `"${sha(body)}"` }
      : { etag: `"${createHash('sha1').update(body).digest('hex')}"` };
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (range) {
      const [a, b] = [Number(range[1]), Number(range[2])];
      res.writeHead(206, { ...headers, 'content-range': `bytes ${a}-${b}/${body.length}`, 'content-length': String(b - a + 1) });
      return void res.end(body.subarray(a, b + 1));
    }
    res.writeHead(200, { ...headers, 'content-length': String(body.length) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

test('URLs follow transformers.js: {host}/{model}/resolve/{revision}/{file}, the revision URL-encoded', () => {
  expect(hubFileUrl(hubLocation({}), VLM, 'onnx/x.onnx')).toBe(`https://huggingface.co/${VLM}/resolve/main/onnx/x.onnx`);
  expect(hubFileUrl(hubLocation({ host: 'https://mirror.test/hf', revision: 'refs/pr/1' }), VLM, 'config.json')).toBe(
    `https://mirror.test/hf/${VLM}/resolve/refs%2Fpr%2F1/config.json`,
  );
  // A plain folder of repos on a static host, relative to the page.
  expect(hubFileUrl(hubLocation({ host: '/models/', pathTemplate: '{model}/' }, 'http://localhost:5173/demo/'), SAM, 'config.json')).toBe(
    `http://localhost:5173/models/${SAM}/config.json`,
  );
  expect(() => hubLocation({ pathTemplate: 'resolve/' })).toThrow(InvalidArgumentError);
});

test('repo ids are checked as the Hub checks them', () => {
  expect(checkRepoId(VLM, 'vlm')).toBe(VLM);
  expect(checkRepoId('gpt2', 'vlm')).toBe('gpt2');
  for (const bad of ['', 'a/b/c', '../x', 'a--b/c', 'x/y.git', 'https://huggingface.co/x/y', 42]) {
    expect(() => checkRepoId(bad, 'vlm')).toThrow(InvalidArgumentError);
  }
});

test('sizes and sha256 come from headers: Content-Range, X-Linked-Size, a strong 64-hex ETag only', () => {
  const h = (o: Record<string, string>) => new Headers(o);
  const hex = 'ab'.repeat(32);
  expect(fileInfoFromHeaders(h({ 'content-range': 'bytes 0-0/12345', 'content-length': '1' }), 206)).toEqual({ size: 12345, sha256: undefined });
  expect(fileInfoFromHeaders(h({ 'x-linked-size': '99', 'x-linked-etag': `"${hex.toUpperCase()}"`, etag: '"x"' }), 200)).toEqual({ size: 99, sha256: hex });
  expect(fileInfoFromHeaders(h({ 'content-length': '7', etag: `"${'a'.repeat(40)}"` }), 200)).toEqual({ size: 7, sha256: undefined });
  expect(fileInfoFromHeaders(h({ 'content-length': '7', etag: `W/"${hex}"` }), 200).sha256).toBeUndefined();
  // A 206's Content-Length is the range's, not the file's.
  expect(fileInfoFromHeaders(h({ 'content-length': '1' }), 206).size).toBeUndefined();
});

test('probeFile reads size and sha256 from a one-byte range request', async () => {
  const body = repo.get(`${VLM}/onnx/decoder_model_merged_q4.onnx`)!;
  const url = `${host}${VLM}/resolve/main/onnx/decoder_model_merged_q4.onnx`;
  requests.length = 0;
  expect(await probeFile(url, null, undefined, 'x')).toEqual({ size: body.length, sha256: sha(body), cached: false });
  expect(requests).toEqual([`GET /${VLM}/resolve/main/onnx/decoder_model_merged_q4.onnx bytes=0-0`]);
  const err = await probeFile(`${host}${VLM}/resolve/main/onnx/nope.onnx`, null, undefined, 'check the dtype').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ModelFileMissingError);
  expect((err as Error).message).toMatch(/nope\.onnx answered HTTP 404; check the dtype/);
});

test('resolveHubModel derives the manifest from a Hub-layout host: sizes and LFS hashes from headers, JSON read once', async () => {
  requests.length = 0;
  const r = await resolveHubModel({ vlm: VLM, segmenter: SAM, host, dtype: { decoder: 'fp32' } }, { device: 'wasm', shaderF16: false }, { cacheName: null });
  const { manifest, plan } = r;
  expect(r.dtypes).toEqual({ encoder: 'q8', embedTokens: 'q8', decoder: 'fp32', segmenter: 'q8' });
  const dec = `${VLM}/onnx/decoder_model_merged.onnx`;
  expect(manifest.llm.decoder).toBe(dec);
  expect(manifest.externalData).toEqual({ [dec]: [`${dec}_data`] });
  for (const f of plan.files) {
    const body = repo.get(f.key)!;
    expect(manifest.files[f.key]?.size, f.key).toBe(body.length);
    // ONNX files: sha256 from X-Linked-Etag; JSON: computed from the bytes already read.
    expect(manifest.files[f.key]?.sha256, f.key).toBe(sha(body));
    expect(manifest.urls?.[f.key]).toBe(`${host}${f.repo}/resolve/main/${f.path}`);
  }
  expect([...r.prefetched.keys()].sort()).toEqual([...repo.keys()].filter((k) => k.endsWith('.json')).sort());
  // Every JSON file fetched once, whole; every ONNX file only probed with a one-byte range.
  const json = requests.filter((q) => q.includes('.json'));
  expect(json.length).toBe(7);
  expect(json.every((q) => q.startsWith('GET') && q.endsWith(' '))).toBe(true);
  expect(requests.filter((q) => q.includes('.onnx')).every((q) => q.endsWith('bytes=0-0'))).toBe(true);
});

test('a dtype the repo does not publish fails with the URL and what to do', async () => {
  const err = await resolveHubModel({ vlm: VLM, segmenter: SAM, host, dtype: { encoder: 'int8' } }, { device: 'wasm', shaderF16: false }, { cacheName: null }).catch(
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelFileMissingError);
  expect((err as Error).message).toContain(`${VLM}/resolve/main/onnx/vision_encoder_int8.onnx answered HTTP 404`);
  expect((err as Error).message).toContain('pick a dtype the repo publishes');
});

test('a wrong revision or repo names the missing config', async () => {
  const err = await resolveHubModel({ vlm: VLM, segmenter: SAM, host, revision: 'v2' }, { device: 'wasm', shaderF16: false }, { cacheName: null }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ModelFileMissingError);
  expect((err as Error).message).toMatch(/resolve\/v2\/config\.json answered HTTP 404; check that .* \(revision v2\) has config\.json/);
});
