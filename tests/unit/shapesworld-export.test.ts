import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AutoTokenizer, env } from '@huggingface/transformers';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, test } from 'vitest';
import type { ModelManifest } from '../../src/models/manifest.ts';
import { parseManifest } from '../../src/models/parse.ts';
import { argmax } from '../../src/numeric.ts';

// The shipped ShapesWorld package, run with onnxruntime-web (wasm) in node, must reproduce the
// PyTorch reference outputs that training/export.py wrote for one sample.
const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = `${root}public/models/shapesworld/`;
const refDir = `${root}tests/fixtures/shapesworld/`;

interface ArrayInfo {
  dtype: 'float32' | 'int64' | 'uint8';
  shape: number[];
  offset: number;
}
interface Reference {
  question: string;
  sam_embedding_stride: number;
  tokenizer_cases: { text: string; ids: number[] }[];
  chat: { messages: { role: string; content: string }[]; ids: number[] };
  arrays: Record<string, ArrayInfo>;
}

const manifest = parseManifest(JSON.parse(readFileSync(`${pkg}manifest.json`, 'utf8')));
const ref = JSON.parse(readFileSync(`${refDir}reference.json`, 'utf8')) as Reference;
const blob = readFileSync(`${refDir}reference.bin`);

function info(name: string): ArrayInfo {
  const a = ref.arrays[name];
  if (!a) throw new Error(`reference array ${name} missing`);
  return a;
}

function f32(name: string): Float32Array {
  const a = info(name);
  const n = a.shape.reduce((x, y) => x * y, 1);
  return new Float32Array(blob.buffer.slice(blob.byteOffset + a.offset, blob.byteOffset + a.offset + 4 * n));
}

function i64(name: string): BigInt64Array {
  const a = info(name);
  const n = a.shape.reduce((x, y) => x * y, 1);
  return new BigInt64Array(blob.buffer.slice(blob.byteOffset + a.offset, blob.byteOffset + a.offset + 8 * n));
}

function u8(name: string): Uint8Array {
  const a = info(name);
  const n = a.shape.reduce((x, y) => x * y, 1);
  return new Uint8Array(blob.buffer.slice(blob.byteOffset + a.offset, blob.byteOffset + a.offset + n));
}

/** Largest |a - b| relative to (1 + |b|). */
function maxErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(Number(a[i]) - Number(b[i])) / (1 + Math.abs(Number(b[i]))));
  return m;
}

const sessions = new Map<string, ort.InferenceSession>();
async function session(file: string): Promise<ort.InferenceSession> {
  let s = sessions.get(file);
  if (!s) {
    s = await ort.InferenceSession.create(readFileSync(`${pkg}${file}`));
    sessions.set(file, s);
  }
  return s;
}

async function run(file: string, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  return (await session(file)).run(feeds) as Promise<Record<string, ort.Tensor>>;
}

function data(t: ort.Tensor | undefined): Float32Array {
  if (!t) throw new Error('missing output');
  return t.data as Float32Array;
}

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

describe('ShapesWorld package', () => {
  test('every manifest (main and ablations) is valid and lists its files with size and sha256', () => {
    const names = readdirSync(pkg).filter((f) => /^manifest(-[a-z-]+)?\.json$/.test(f));
    expect(names).toContain('manifest.json');
    for (const name of names) {
      const m: ModelManifest = parseManifest(JSON.parse(readFileSync(`${pkg}${name}`, 'utf8')));
      const files = Object.entries(m.files);
      expect(files.length, name).toBe(8);
      for (const [rel, f] of files) {
        const bytes = readFileSync(`${pkg}${rel}`);
        expect(bytes.length, rel).toBe(f.size);
        expect(createHash('sha256').update(bytes).digest('hex'), rel).toBe(f.sha256);
      }
    }
  });

  test('image encoder reproduces the reference hidden states (CLS first)', async () => {
    const img = u8('image');
    const [h, w] = manifest.encoder.preprocess.cropSize;
    const { mean, std, rescaleFactor } = manifest.encoder.preprocess;
    const px = new Float32Array(3 * h * w);
    for (let c = 0; c < 3; c++)
      for (let i = 0; i < h * w; i++) px[c * h * w + i] = ((img[i * 3 + c] ?? 0) * rescaleFactor - mean[c]!) / std[c]!;
    const out = await run(manifest.encoder.file, { pixel_values: new ort.Tensor('float32', px, [1, 3, h, w]) });
    const hidden = out[manifest.encoder.outputName];
    const [gh, gw] = manifest.encoder.grid;
    expect(hidden?.dims).toEqual([1, 1 + gh * gw, manifest.encoder.hiddenSize]);
    expect(maxErr(data(hidden), f32('encoder.last_hidden_state'))).toBeLessThan(1e-3);

    const seg = await run(manifest.segmenter.visionEncoder, { pixel_values: new ort.Tensor('float32', px, [1, 3, h, w]) });
    const stride = ref.sam_embedding_stride;
    for (const name of ['image_embeddings', 'image_positional_embeddings']) {
      const all = data(seg[name]);
      const sampled = Float32Array.from({ length: Math.ceil(all.length / stride) }, (_, i) => all[i * stride] ?? NaN);
      expect(maxErr(sampled, f32(`sam.${name}.sample`)), name).toBeLessThan(1e-3);
    }
    const pts = info('sam.input_points').shape;
    const dec = await run(manifest.segmenter.promptDecoder, {
      input_points: new ort.Tensor('float32', f32('sam.input_points'), pts),
      input_labels: new ort.Tensor('int64', i64('sam.input_labels'), info('sam.input_labels').shape),
      image_embeddings: seg.image_embeddings!,
      image_positional_embeddings: seg.image_positional_embeddings!,
    });
    const m = manifest.segmenter.maskSize;
    expect(dec.pred_masks?.dims).toEqual([1, pts[1], 3, m, m]);
    expect(maxErr(data(dec.iou_scores), f32('sam.iou_scores'))).toBeLessThan(1e-3);
    expect(maxErr(data(dec.pred_masks), f32('sam.pred_masks'))).toBeLessThan(2e-3);
  });

  test('projector, token embedder and decoder (prefill + cached steps) match PyTorch', async () => {
    const feats = info('projector.image_features');
    const proj = await run(manifest.projector.file, {
      [manifest.projector.inputName]: new ort.Tensor('float32', f32('projector.image_features'), feats.shape),
    });
    expect(maxErr(data(proj[manifest.projector.outputName]), f32('projector.image_embeds'))).toBeLessThan(1e-4);

    const ids = i64('llm.prompt_ids');
    const emb = await run(manifest.llm.embedTokens, { input_ids: new ort.Tensor('int64', ids, [1, ids.length]) });
    expect(maxErr(data(emb.inputs_embeds), f32('llm.embed_tokens'))).toBeLessThan(1e-6);

    const { numLayers, numKeyValueHeads, headDim, hiddenSize } = manifest.llm;
    const x = info('llm.prefill.inputs_embeds');
    const L = x.shape[1]!;
    const feeds: Record<string, ort.Tensor> = {
      inputs_embeds: new ort.Tensor('float32', f32('llm.prefill.inputs_embeds'), x.shape),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(L).fill(1n), [1, L]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from({ length: L }, (_, i) => BigInt(i)), [1, L]),
    };
    for (let i = 0; i < numLayers; i++)
      for (const kv of ['key', 'value'])
        feeds[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, numKeyValueHeads, 0, headDim]);
    let out = await run(manifest.llm.decoder, feeds);
    const V = manifest.llm.vocabSize;
    expect(out.logits?.dims).toEqual([1, L, V]);
    const last = data(out.logits).slice((L - 1) * V);
    expect(maxErr(last, f32('llm.prefill.last_logits'))).toBeLessThan(1e-3);
    expect(maxErr(data(out['present.0.key']), f32('llm.prefill.present.0.key'))).toBeLessThan(1e-3);

    const generated = [...i64('llm.generated')].map(Number);
    const stepLogits = f32('llm.steps.logits');
    expect(argmax(last)).toBe(generated[0]);
    for (let step = 0; step < 3; step++) {
      const tokenEmb = await run(manifest.llm.embedTokens, {
        input_ids: new ort.Tensor('int64', BigInt64Array.of(BigInt(generated[step]!)), [1, 1]),
      });
      const n = L + step;
      const next: Record<string, ort.Tensor> = {
        inputs_embeds: new ort.Tensor('float32', data(tokenEmb.inputs_embeds), [1, 1, hiddenSize]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(n + 1).fill(1n), [1, n + 1]),
        position_ids: new ort.Tensor('int64', BigInt64Array.of(BigInt(n)), [1, 1]),
      };
      for (let i = 0; i < numLayers; i++)
        for (const kv of ['key', 'value']) next[`past_key_values.${i}.${kv}`] = out[`present.${i}.${kv}`]!;
      out = await run(manifest.llm.decoder, next);
      const lg = data(out.logits);
      expect(maxErr(lg, stepLogits.slice(step * V, (step + 1) * V)), `step ${step}`).toBeLessThan(1e-3);
      expect(argmax(lg)).toBe(generated[step + 1]);
    }
  });

  test("transformers.js's tokenizer gives the ids training used", async () => {
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = `${root}public/models/`;
    const tok = await AutoTokenizer.from_pretrained('shapesworld/llm');
    for (const c of ref.tokenizer_cases) expect(tok.encode(c.text), JSON.stringify(c.text)).toEqual(c.ids);
    const chat = tok.apply_chat_template(ref.chat.messages, { tokenize: true, add_generation_prompt: true, return_tensor: false, return_dict: false });
    expect(chat).toEqual(ref.chat.ids);
    // The runtime's form (placeholder in the content) and Hugging Face list content render the same ids.
    const question = ref.chat.messages[0]?.content ?? '';
    const forms = [
      [{ role: 'user', content: `${manifest.prompt.imageToken}\n${question}` }],
      [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: question }] }],
    ];
    for (const messages of forms)
      expect(tok.apply_chat_template(messages as never, { tokenize: true, add_generation_prompt: true, return_tensor: false, return_dict: false })).toEqual(ref.chat.ids);
    expect(ref.chat.ids.filter((id) => id === tok.convert_tokens_to_ids(manifest.prompt.imageToken))).toHaveLength(1);
    expect(manifest.prompt.eosTokenIds).toEqual([tok.convert_tokens_to_ids('<|end|>')]);
  });
});
