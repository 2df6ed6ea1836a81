/**
 * Test page: transformers.js 4.3.1 as the oracle for published-repo loading. It loads the
 * Hub-layout fixture repos by id from the local Hub mirror (remoteHost = the mirror, nothing
 * local, ORT's wasm from our own node_modules) in a given dtype and device, and exposes
 * `window.oracle`:
 * - `generate()`: nanoLLaVA's prompt as transformers.js needs it (the ChatML template with
 *   `<image>\n` + question, the `<image>` placeholder repeated 729 times), SiglipImageProcessor on
 *   the image, and 16 greedy tokens from `generate()`;
 * - `segment()`: SamProcessor + SamModel with point prompts, returning iou_scores and pred_masks.
 * Loaded models are kept per (repo, dtype, device) until another one is asked for.
 */
import { AutoModelForImageTextToText, AutoProcessor, AutoTokenizer, env, RawImage, SamModel, type Tensor } from '@huggingface/transformers';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import ortMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import { NANOLLAVA_IMAGE_TOKENS, type FixtureDtype } from '../../../tools/fixtures/hub-layout.ts';

/** An image: RGBA pixels, or a URL the page can fetch (e.g. /public/samples/x.png). */
export type OracleImage = { rgba: ArrayLike<number>; width: number; height: number } | { url: string };

/** Where and how to load a repo. */
export interface OracleLoad {
  /** Mirror base URL with a trailing slash (hubMirrorUrl()). */
  host: string;
  /** Repo id, e.g. onnx-community/nanoLLaVA-1.5. */
  repo: string;
  dtype: FixtureDtype;
  device: 'wasm' | 'webgpu';
  /**
   * WASM threads.
   * @defaultValue 1
   */
  numThreads?: number;
}

/** A generate() request. */
export interface GenerateRequest extends OracleLoad {
  image: OracleImage;
  question: string;
  /** @defaultValue 16 */
  maxNewTokens?: number;
}

/** What transformers.js generated. */
export interface GenerateResult {
  /** The new token ids (greedy). */
  tokens: number[];
  /** The prompt's token ids (729 image ids included). */
  inputIds: number[];
  /** The prompt before image-token expansion. */
  prompt: string;
  /** The new tokens decoded. */
  text: string;
  /** pixel_values transformers.js fed the vision encoder (dims only). */
  pixelDims: number[];
}

/** A segment() request: point prompts in the original image's pixel coordinates. */
export interface SegmentRequest extends OracleLoad {
  image: OracleImage;
  /** Per point batch, its points [x, y]: [P][N][2]. */
  points: number[][][];
  /** Per point batch, a label per point (1 fg, 0 bg); all 1 when absent. */
  labels?: number[][];
}

/** SamModel's outputs. */
export interface SegmentResult {
  /** iou_scores [1, P, 3], flattened. */
  iouScores: number[];
  iouDims: number[];
  /** pred_masks [1, P, 3, 256, 256] logits, float32 little-endian bytes as base64. */
  predMasks: string;
  maskDims: number[];
  /** The input_points SamProcessor fed the decoder (scaled to the 1024 frame), flattened. */
  inputPoints: number[];
  /** original_sizes and reshaped_input_sizes from SamProcessor. */
  originalSize: number[];
  reshapedSize: number[];
}

// Remote models only, from the mirror; ORT's wasm from our package (transformers.js points at a CDN).
env.allowLocalModels = false;
env.allowRemoteModels = true;
env.useBrowserCache = false;
const wasm = env.backends.onnx.wasm as NonNullable<typeof env.backends.onnx.wasm>;
wasm.wasmPaths = { wasm: ortWasmUrl, mjs: ortMjsUrl };

type Loaded = { key: string; dispose(): Promise<unknown> };
let loaded: (Loaded & Record<string, unknown>) | undefined;

async function configure(req: OracleLoad): Promise<void> {
  env.remoteHost = req.host;
  wasm.numThreads = req.numThreads ?? 1;
}

/** Loads (or reuses) what `load` builds for this (repo, dtype, device). */
async function cached<T extends Loaded>(req: OracleLoad, load: () => Promise<Omit<T, 'key'>>): Promise<T> {
  const key = `${req.repo}|${req.dtype}|${req.device}`;
  if (loaded?.key !== key) {
    await loaded?.dispose();
    loaded = undefined;
    await configure(req);
    loaded = { key, ...(await load()) } as unknown as Loaded & Record<string, unknown>;
  }
  return loaded as unknown as T;
}

async function rawImage(image: OracleImage): Promise<RawImage> {
  if ('url' in image) return (await RawImage.fromURL(image.url)).rgb();
  return new RawImage(Uint8ClampedArray.from(image.rgba), image.width, image.height, 4).rgb();
}

type Vlm = Loaded & {
  tokenizer: Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
  processor: Awaited<ReturnType<typeof AutoProcessor.from_pretrained>>;
  model: Awaited<ReturnType<typeof AutoModelForImageTextToText.from_pretrained>>;
};

async function generate(req: GenerateRequest): Promise<GenerateResult> {
  const { tokenizer, processor, model } = await cached<Vlm>(req, async () => {
    const [tokenizer, processor, model] = await Promise.all([
      AutoTokenizer.from_pretrained(req.repo),
      AutoProcessor.from_pretrained(req.repo),
      AutoModelForImageTextToText.from_pretrained(req.repo, { dtype: req.dtype, device: req.device }),
    ]);
    return { tokenizer, processor, model, dispose: () => model.dispose() };
  });
  const prompt = tokenizer.apply_chat_template([{ role: 'user', content: `<image>\n${req.question}` }], { tokenize: false, add_generation_prompt: true }) as string;
  // transformers.js >= 3.6 merges image features 1:1 into image-token positions: the repo has no
  // processor_config.json to expand the placeholder, so the caller repeats it (27 x 27 = 729).
  const textInputs = tokenizer(prompt.replace('<image>', '<image>'.repeat(NANOLLAVA_IMAGE_TOKENS)));
  const visionInputs = await processor(await rawImage(req.image));
  const inputIds = ((textInputs.input_ids as Tensor).tolist() as bigint[][])[0]?.map(Number) ?? [];
  const out = (await model.generate({ ...textInputs, ...visionInputs, max_new_tokens: req.maxNewTokens ?? 16, do_sample: false })) as Tensor;
  const tokens = ((out.tolist() as bigint[][])[0] ?? []).slice(inputIds.length).map(Number);
  return { tokens, inputIds, prompt, text: tokenizer.decode(tokens), pixelDims: (visionInputs.pixel_values as Tensor).dims };
}

type Sam = Loaded & {
  processor: Awaited<ReturnType<typeof AutoProcessor.from_pretrained>>;
  model: Awaited<ReturnType<typeof SamModel.from_pretrained>>;
};

function base64(data: Float32Array): string {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

async function segment(req: SegmentRequest): Promise<SegmentResult> {
  const { processor, model } = await cached<Sam>(req, async () => {
    const [processor, model] = await Promise.all([AutoProcessor.from_pretrained(req.repo), SamModel.from_pretrained(req.repo, { dtype: req.dtype, device: req.device })]);
    return { processor, model, dispose: () => model.dispose() };
  });
  const labels = req.labels ?? req.points.map((batch) => batch.map(() => 1));
  const inputs = await processor(await rawImage(req.image), { input_points: [req.points], input_labels: [labels] });
  const out = (await model(inputs)) as { iou_scores: Tensor; pred_masks: Tensor };
  const sizes = (name: string) => ((inputs[name] as unknown as number[][])[0] ?? []).map(Number);
  return {
    iouScores: Array.from(out.iou_scores.data as Float32Array),
    iouDims: out.iou_scores.dims,
    predMasks: base64(out.pred_masks.data as Float32Array),
    maskDims: out.pred_masks.dims,
    inputPoints: Array.from((inputs.input_points as Tensor).data as Float32Array),
    originalSize: sizes('original_sizes'),
    reshapedSize: sizes('reshaped_input_sizes'),
  };
}

/** The oracle's API on window. */
export interface Oracle {
  generate(req: GenerateRequest): Promise<GenerateResult>;
  segment(req: SegmentRequest): Promise<SegmentResult>;
}

const oracle: Oracle = { generate, segment };
Object.assign(window, { oracle, ready: true });
