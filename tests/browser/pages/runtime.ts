// The runtime test page: exposes the SDK, a transformers.js LLaVA oracle and small helpers to
// Playwright's page.evaluate. Tests drive everything from there.
import { AutoTokenizer, LlavaForConditionalGeneration, Tensor, env } from '@huggingface/transformers';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import ortMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import * as sdk from '../../../src/index.ts';
import { decodeImage } from '../../../src/image/decode.ts';
import { preprocessForEncoder } from '../../../src/image/preprocess.ts';

const FIXTURE = '/tests/fixtures/generated/tiny/';

// transformers.js: local files only, ORT's wasm from the package (never a CDN).
env.allowLocalModels = true;
env.allowRemoteModels = false;
env.localModelPath = FIXTURE;
env.backends.onnx.wasm!.wasmPaths = { wasm: ortWasmUrl, mjs: ortMjsUrl };

/** A synthetic scene: coloured shapes on a grey background, deterministic. */
function scene(width = 320, height = 240): ImageData {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#808080';
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = '#d02020';
  ctx.beginPath();
  ctx.arc(width * 0.3, height * 0.4, height * 0.18, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = '#2040d0';
  ctx.fillRect(width * 0.55, height * 0.5, width * 0.3, height * 0.35);
  ctx.fillStyle = '#20b040';
  ctx.beginPath();
  ctx.moveTo(width * 0.7, height * 0.1);
  ctx.lineTo(width * 0.9, height * 0.4);
  ctx.lineTo(width * 0.5, height * 0.4);
  ctx.fill();
  return ctx.getImageData(0, 0, width, height);
}

/** Durations of main-thread long tasks (> 50 ms) since the page loaded. */
const longTasks: number[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) longTasks.push(e.duration);
}).observe({ type: 'longtask', buffered: true });

async function collect(stream: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const t of stream) out.push(t);
  return out;
}

/** The fixture's tokenizer through transformers.js: an independent count of prompt tokens. */
async function referencePrompt(question: string, imageTokens = 1): Promise<number[]> {
  const tokenizer = await AutoTokenizer.from_pretrained('llm');
  const text = tokenizer.apply_chat_template([{ role: 'user', content: `<image>\n${question}` }], {
    add_generation_prompt: true,
    tokenize: false,
  }) as string;
  const ids = tokenizer.encode(text.replace('<image>', '<image>'.repeat(imageTokens)), { add_special_tokens: false });
  return ids;
}

/** The fixture's tokenizer through transformers.js: an independent decode of generated ids. */
async function referenceDecode(ids: number[]): Promise<string> {
  const tokenizer = await AutoTokenizer.from_pretrained('llm');
  return tokenizer.decode(ids, { skip_special_tokens: true });
}

/**
 * Greedy tokens of transformers.js's LlavaForConditionalGeneration on the fixture's llava view
 * (same LLM files; its vision_encoder.onnx is our encoder + projector without CLS), given the
 * same pixel_values our worker builds.
 */
async function oracleGenerate(image: ImageData, question: string, maxNewTokens: number, device: 'wasm' | 'webgpu'): Promise<number[]> {
  const manifest = (await (await fetch(`${FIXTURE}manifest.json`)).json()) as sdk.ModelManifest;
  const [gh, gw] = manifest.encoder.grid;
  const pixels = preprocessForEncoder(await decodeImage(image), manifest.encoder.preprocess);
  const ids = await referencePrompt(question, gh * gw);
  const model = await LlavaForConditionalGeneration.from_pretrained('llm', { device, dtype: 'fp32', subfolder: '' });
  try {
    const inputIds = new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]);
    const out = (await model.generate({
      input_ids: inputIds,
      attention_mask: new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
      pixel_values: new Tensor('float32', pixels.data, pixels.dims),
      max_new_tokens: maxNewTokens,
      do_sample: false,
    })) as Tensor;
    const all = Array.from(out.data as BigInt64Array, Number);
    const generated = all.slice(ids.length);
    // transformers.js keeps the stop token; our usage.tokenIds excludes it.
    return generated.filter((t) => !manifest.prompt.eosTokenIds.includes(t));
  } finally {
    await model.dispose();
  }
}

const helpers = { scene, collect, referencePrompt, referenceDecode, oracleGenerate, longTasks, fixtureUrl: FIXTURE };

/** What a test sees on `window` in page.evaluate. */
export type RuntimeWindow = Window & { sdk: typeof sdk; helpers: typeof helpers; ready: boolean };

Object.assign(window, { sdk, helpers, ready: true });
