/**
 * transformers.js's LlavaForConditionalGeneration in a worker, as a peer to time against: it loads
 * the llava view of a generated package (the same LLM files our SDK runs) and answers with one
 * token. Runs in its own worker, as our SDK does, so neither blocks the page.
 */
import { AutoProcessor, env, LlavaForConditionalGeneration, RawImage } from '@huggingface/transformers';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import ortMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';

/** Requests the bench page sends. */
export type TjsRequest =
  | { kind: 'load'; root: string; id: string; numThreads: number }
  | { kind: 'ttft'; rgba: { data: Uint8ClampedArray; width: number; height: number }; prompt: string };

/** Replies: load time, or one answer's time to first token and its input length. */
export type TjsResponse = { kind: 'load'; ms: number } | { kind: 'ttft'; ms: number; inputTokens: number };

let processor: Awaited<ReturnType<typeof AutoProcessor.from_pretrained>> | undefined;
let model: Awaited<ReturnType<typeof LlavaForConditionalGeneration.from_pretrained>> | undefined;

async function handle(req: TjsRequest): Promise<TjsResponse> {
  if (req.kind === 'load') {
    const t0 = performance.now();
    // Local files only, and ORT's wasm from our own package (transformers.js would use a CDN).
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
    env.localModelPath = req.root;
    const wasm = env.backends.onnx.wasm!;
    wasm.wasmPaths = { wasm: ortWasmUrl, mjs: ortMjsUrl };
    wasm.numThreads = req.numThreads;
    processor = await AutoProcessor.from_pretrained(req.id);
    model = await LlavaForConditionalGeneration.from_pretrained(req.id, { dtype: 'fp32', device: 'wasm', subfolder: '' });
    return { kind: 'load', ms: performance.now() - t0 };
  }
  if (!processor || !model) throw new Error('load transformers.js first');
  const t0 = performance.now();
  const image = new RawImage(req.rgba.data, req.rgba.width, req.rgba.height, 4).rgb();
  const text = processor.apply_chat_template([{ role: 'user', content: `<image>\n${req.prompt}` }], { add_generation_prompt: true }) as string;
  const inputs = await processor(image, text);
  await model.generate({ ...inputs, max_new_tokens: 1, do_sample: false });
  return { kind: 'ttft', ms: performance.now() - t0, inputTokens: inputs.input_ids.dims.at(-1) };
}

self.onmessage = async (e: MessageEvent<TjsRequest>) => {
  try {
    self.postMessage(await handle(e.data));
  } catch (err) {
    self.postMessage({ error: String(err) });
  }
};
