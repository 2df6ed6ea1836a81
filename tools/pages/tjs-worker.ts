/**
 * transformers.js's LlavaForConditionalGeneration in a worker, as a peer to time against: it loads
 * the llava view of a generated package (the same LLM files our SDK runs) and answers with one
 * token. Runs in its own worker, as our SDK does, so neither blocks the page.
 */
import { AutoModelForImageTextToText, AutoProcessor, AutoTokenizer, env, LlavaForConditionalGeneration, RawImage } from '@huggingface/transformers';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import ortMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import { NANOLLAVA_IMAGE_TOKENS } from '../fixtures/hub-layout.ts';

/** Requests the bench page sends. */
export type TjsRequest =
  | { kind: 'load'; root: string; id: string; numThreads: number }
  | { kind: 'load-hub'; host: string; id: string; dtype: Record<string, string>; numThreads: number }
  | { kind: 'ttft'; rgba: { data: Uint8ClampedArray; width: number; height: number }; prompt: string };

/** Replies: load time, or one answer's time to first token and its input length. */
export type TjsResponse = { kind: 'load'; ms: number } | { kind: 'ttft'; ms: number; inputTokens: number };

let processor: Awaited<ReturnType<typeof AutoProcessor.from_pretrained>> | undefined;
let model: Awaited<ReturnType<typeof LlavaForConditionalGeneration.from_pretrained>> | undefined;
/** Set for a published-layout repo: its prompt carries one `<image>` id per image feature. */
let hubTokenizer: Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>> | undefined;

/** ORT's wasm from our own package (transformers.js would use a CDN), with `numThreads` threads. */
function useOwnOrt(numThreads: number): void {
  const wasm = env.backends.onnx.wasm!;
  wasm.wasmPaths = { wasm: ortWasmUrl, mjs: ortMjsUrl };
  wasm.numThreads = numThreads;
}

async function handle(req: TjsRequest): Promise<TjsResponse> {
  if (req.kind === 'load') {
    const t0 = performance.now();
    // Local files only.
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
    env.localModelPath = req.root;
    useOwnOrt(req.numThreads);
    processor = await AutoProcessor.from_pretrained(req.id);
    model = await LlavaForConditionalGeneration.from_pretrained(req.id, { dtype: 'fp32', device: 'wasm', subfolder: '' });
    return { kind: 'load', ms: performance.now() - t0 };
  }
  if (req.kind === 'load-hub') {
    const t0 = performance.now();
    // By repo id from the Hub mirror.
    env.allowLocalModels = false;
    env.allowRemoteModels = true;
    env.useBrowserCache = false;
    env.remoteHost = req.host;
    useOwnOrt(req.numThreads);
    [hubTokenizer, processor] = await Promise.all([AutoTokenizer.from_pretrained(req.id), AutoProcessor.from_pretrained(req.id)]);
    // Its llava class, as for the published nanoLLaVA-1.5 (the dtype names its files).
    model = (await AutoModelForImageTextToText.from_pretrained(req.id, { dtype: req.dtype as never, device: 'wasm' })) as typeof model;
    return { kind: 'load', ms: performance.now() - t0 };
  }
  if (!processor || !model) throw new Error('load transformers.js first');
  const t0 = performance.now();
  const image = new RawImage(req.rgba.data, req.rgba.width, req.rgba.height, 4).rgb();
  if (hubTokenizer) {
    // nanoLLaVA as transformers.js >= 3.6 runs it: the prompt holds 729 image-token ids.
    const prompt = hubTokenizer.apply_chat_template([{ role: 'user', content: `<image>\n${req.prompt}` }], { tokenize: false, add_generation_prompt: true }) as string;
    const text = hubTokenizer(prompt.replace('<image>', '<image>'.repeat(NANOLLAVA_IMAGE_TOKENS)));
    const vision = await processor(image);
    await model.generate({ ...text, ...vision, max_new_tokens: 1, do_sample: false });
    return { kind: 'ttft', ms: performance.now() - t0, inputTokens: (text.input_ids as { dims: number[] }).dims.at(-1)! };
  }
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
