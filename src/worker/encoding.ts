/**
 * Encoding: one image through the encoder (hidden states, kept in the worker) and the segmenter
 * (masks in the encoder's frame, copied to the main thread).
 */
import { SessionError } from '../errors.ts';
import { preprocessForEncoder, preprocessForSegmenter } from '../image/preprocess.ts';
import type { Box } from '../masks/amg.ts';
import type { BitMask } from '../masks/bitmask.ts';
import { tokenNorms } from '../tokens/token-norms.ts';
import { runSession } from './backend.ts';
import type { LoadedModel } from './loading.ts';
import type { EncodeRequest, EncodeResult } from './protocol.ts';
import { floatInput, readFloats } from './tensors.ts';
import { yieldToEventLoop } from './yield.ts';

/** What the worker keeps per encoded image. */
export interface ImageFeatures {
  /** Encoder hidden states `(1+N)*D`, CLS first. */
  hidden: Float32Array;
  masks: BitMask[];
  encodeMs: number;
  segmentMs: number;
}

/** Encodes `req.image`: the features stay here, `result` (with its own copy of the masks) goes back. */
export async function encodeImage(m: LoadedModel, req: EncodeRequest, signal: AbortSignal): Promise<{ features: ImageFeatures; result: EncodeResult }> {
  const tp = performance.now();
  const enc = preprocessForEncoder(req.image, m.manifest.encoder.preprocess);
  const seg = req.segment ? preprocessForSegmenter(req.image, m.manifest.segmenter.preprocess) : undefined;
  const preprocessMs = performance.now() - tp;
  await yieldToEventLoop();
  signal.throwIfAborted();

  const t0 = performance.now();
  const hidden = await runEncoder(m, enc.data, enc.dims);
  const encodeMs = performance.now() - t0;
  await yieldToEventLoop();
  signal.throwIfAborted();

  const t1 = performance.now();
  const { scaleX, scaleY, left, top } = enc.placement;
  const [, , cropH, cropW] = enc.dims;
  const encoderRect: Box = [left / scaleX, top / scaleY, (left + cropW) / scaleX, (top + cropH) / scaleY];
  let masks: BitMask[] = [];
  let candidates = 0;
  let filtered = 0;
  if (seg) {
    const frame = { width: req.image.width, height: req.image.height, resized: seg.resized, encoderRect };
    const embedding = await m.segmenter.embed(seg.data, seg.dims);
    try {
      if (req.boxes) {
        masks = await m.segmenter.fromBoxes(embedding, frame, req.boxes, signal);
      } else {
        ({ masks, candidates, filtered } = await m.segmenter.automatic(embedding, frame, { ...m.manifest.segmenter.amg, ...req.amg }, signal));
      }
    } finally {
      embedding.imageEmbeddings.dispose();
      embedding.positionalEmbeddings.dispose();
    }
  }
  const segmentMs = performance.now() - t1;
  const [gh, gw] = m.manifest.encoder.grid;
  const norms = tokenNorms(hidden, gh * gw, m.manifest.encoder.hiddenSize, m.manifest.tokens.normScale);
  return {
    features: { hidden, masks, encodeMs, segmentMs },
    result: {
      masks: masks.map((mk) => ({ ...mk, bits: mk.bits.slice() })),
      candidates,
      filtered,
      preprocessMs,
      encodeMs,
      segmentMs,
      frame: encoderRect,
      norms,
    },
  };
}

/**
 * The encoder's hidden states `(1+N)*D`, checked against the manifest's grid and width. An
 * encoder without CLS (published exports: N post-projector features) gets the mean of its
 * patch features in row 0, a global token standing in for CLS, so composition has one layout;
 * plain mode (every patch, no CLS) never reads it.
 */
async function runEncoder(m: LoadedModel, pixels: Float32Array, dims: readonly number[]): Promise<Float32Array> {
  const { inputName, outputName, grid, hiddenSize, hasCls = true } = m.manifest.encoder;
  const out = await runSession('encoder', m.encoder, { [inputName]: floatInput(m.encoder, inputName, pixels, dims) });
  const values = await readFloats(out[outputName]!);
  const [gh, gw] = grid;
  const n = gh * gw;
  const rows = hasCls ? 1 + n : n;
  if (values.length !== rows * hiddenSize) {
    throw new SessionError(
      `the encoder returned ${values.length} values, not ${hasCls ? `(1 + ${gh}*${gw})` : `${gh}*${gw}`} * ${hiddenSize}; fix encoder.grid/hiddenSize`,
    );
  }
  if (hasCls) return values;
  const hidden = new Float32Array((1 + n) * hiddenSize);
  hidden.set(values, hiddenSize);
  const sum = new Float64Array(hiddenSize);
  for (let r = 0; r < n; r++) for (let c = 0; c < hiddenSize; c++) sum[c] = sum[c]! + values[r * hiddenSize + c]!;
  for (let c = 0; c < hiddenSize; c++) hidden[c] = sum[c]! / n;
  return hidden;
}
