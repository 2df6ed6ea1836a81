/**
 * Encoding: one image through the encoder (hidden states, kept in the worker) and the segmenter
 * (masks in the encoder's frame, copied to the main thread).
 */
import { SessionError } from '../errors.ts';
import { preprocessForEncoder, preprocessForSegmenter } from '../image/preprocess.ts';
import type { Box } from '../masks/amg.ts';
import type { BitMask } from '../masks/bitmask.ts';
import { tokenNorms } from '../tokens/token-norms.ts';
import { ort, runSession } from './backend.ts';
import type { LoadedModel } from './loading.ts';
import type { EncodeRequest, EncodeResult } from './protocol.ts';
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
  const seg = preprocessForSegmenter(req.image, m.manifest.segmenter.preprocess);
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
  const frame = {
    width: req.image.width,
    height: req.image.height,
    resized: seg.resized,
    encoderRect: [left / scaleX, top / scaleY, (left + cropW) / scaleX, (top + cropH) / scaleY] as Box,
  };
  const embedding = await m.segmenter.embed(seg.data, seg.dims);
  let masks: BitMask[];
  let candidates = 0;
  let filtered = 0;
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
      frame: frame.encoderRect,
      norms,
    },
  };
}

/** The encoder's hidden states `(1+N)*D`, checked against the manifest's grid and width. */
async function runEncoder(m: LoadedModel, pixels: Float32Array, dims: readonly number[]): Promise<Float32Array> {
  const { inputName, outputName, grid, hiddenSize } = m.manifest.encoder;
  const out = await runSession('encoder', m.encoder, { [inputName]: new ort.Tensor('float32', pixels, [...dims]) });
  const tensor = out[outputName]!;
  const hidden = (await tensor.getData()) as Float32Array;
  tensor.dispose();
  const [gh, gw] = grid;
  if (hidden.length !== (1 + gh * gw) * hiddenSize) {
    throw new SessionError(`the encoder returned ${hidden.length} values, not (1 + ${gh}*${gw}) * ${hiddenSize}; fix encoder.grid/hiddenSize`);
  }
  return hidden;
}
