/**
 * The segmenter (SAM's two-stage layout, as in the SlimSAM exports): one vision-encoder run per
 * image, then automatic mask generation (AMG) from a grid of point prompts, or masks from
 * caller-given boxes. Masks leave as bit-packed masks over the encoder's input frame.
 */
import { InvalidArgumentError } from '../errors.ts';
import {
  type AmgSettings,
  type Box,
  type SegmenterFrame,
  bestBoxFit,
  boxInEncoderFrame,
  passesThresholds,
  planeToEncoderFrame,
  pointGrid,
  selectProposals,
  stabilityScore,
  validPlane,
} from '../masks/amg.ts';
import type { BitMask } from '../masks/bitmask.ts';
import type { ModelManifest } from '../models/manifest.ts';
import { cpuTensor, type ort, runSession } from './backend.ts';
import { floatInput, readFloats } from './tensors.ts';
import { yieldToEventLoop } from './yield.ts';

/** What AMG found, with counts for diagnostics. */
export interface MaskProposals {
  /** Masks in score order (predicted IoU, descending), after filtering and NMS. */
  masks: BitMask[];
  /** Candidate masks the decoder produced (3 per point). */
  candidates: number;
  /** Candidates that passed the IoU, stability and area filters (before NMS). */
  filtered: number;
}

/** The segmenter's image embedding, kept (on the GPU under WebGPU) while prompts are decoded. */
export interface SegmenterEmbedding {
  imageEmbeddings: ort.Tensor;
  positionalEmbeddings: ort.Tensor;
}

/** SAM's segmenter sessions with the manifest's settings. */
export class Segmenter {
  readonly #seg: ModelManifest['segmenter'];
  readonly #maskResolution: number;

  constructor(
    readonly visionEncoder: ort.InferenceSession,
    readonly promptDecoder: ort.InferenceSession,
    manifest: ModelManifest,
  ) {
    this.#seg = manifest.segmenter;
    this.#maskResolution = manifest.tokens.maskResolution;
  }

  /** Runs the vision encoder once on preprocessed `pixel_values` `[1, 3, pad, pad]`. */
  async embed(pixels: Float32Array, dims: readonly number[]): Promise<SegmenterEmbedding> {
    const out = await runSession('segmenter vision encoder', this.visionEncoder, {
      pixel_values: floatInput(this.visionEncoder, 'pixel_values', pixels, dims),
    });
    return { imageEmbeddings: out['image_embeddings']!, positionalEmbeddings: out['image_positional_embeddings']! };
  }

  /**
   * Automatic mask generation: a `pointsPerSide^2` grid of positive points over the resized image,
   * decoded `pointsPerBatch` at a time (the dynamic point axis); each point's three candidate
   * masks are kept when they pass the predicted-IoU, stability and area filters, then duplicates
   * are removed greedily by mask IoU (src/masks/amg.ts).
   */
  async automatic(embedding: SegmenterEmbedding, frame: SegmenterFrame, amg: AmgSettings, signal: AbortSignal): Promise<MaskProposals> {
    const points = pointGrid(amg.pointsPerSide, frame.resized);
    const padSize = this.#seg.preprocess.padSize;
    const kept: BitMask[] = [];
    let candidates = 0;
    for (let b = 0; b < points.length; b += amg.pointsPerBatch) {
      await yieldToEventLoop();
      signal.throwIfAborted();
      const { scores, logits, side } = await this.#decode(embedding, points.slice(b, b + amg.pointsPerBatch));
      const plane = side * side;
      const [rows, cols] = validPlane(side, padSize, frame.resized);
      for (let k = 0; k < scores.length; k++) {
        candidates++;
        const score = scores[k]!;
        const values = logits.subarray(k * plane, (k + 1) * plane);
        if (!passesThresholds(score, stabilityScore(values, side, rows, cols, amg.stabilityOffset), amg)) continue;
        kept.push(planeToEncoderFrame(values, side, padSize, frame, this.#maskResolution, score, null));
      }
    }
    return { ...selectProposals(kept, amg), candidates };
  }

  /**
   * Masks from caller boxes `[x0, y0, x1, y1]` in original-image pixels. The SlimSAM-style export
   * has no box input, so each box becomes one positive point at its centre; of the three candidate
   * masks the one whose bounding box best matches the box is taken, clipped to the box. Masks are
   * returned in box order with SAM's predicted IoU as score.
   */
  async fromBoxes(embedding: SegmenterEmbedding, frame: SegmenterFrame, boxes: readonly Box[], signal: AbortSignal): Promise<BitMask[]> {
    const [rh, rw] = frame.resized;
    const sx = rw / frame.width;
    const sy = rh / frame.height;
    for (const [i, box] of boxes.entries()) {
      const [x0, y0, x1, y1] = box;
      if (![x0, y0, x1, y1].every(Number.isFinite) || x1 <= x0 || y1 <= y0) {
        throw new InvalidArgumentError(`boxes[${i}] must be [x0, y0, x1, y1] in image pixels with x1 > x0 and y1 > y0, got ${JSON.stringify(box)}`);
      }
    }
    const padSize = this.#seg.preprocess.padSize;
    const res = this.#maskResolution;
    const out: BitMask[] = [];
    for (let b = 0; b < boxes.length; b += this.#seg.amg.pointsPerBatch) {
      await yieldToEventLoop();
      signal.throwIfAborted();
      const batch = boxes.slice(b, b + this.#seg.amg.pointsPerBatch);
      const centres = batch.map(([x0, y0, x1, y1]): [number, number] => [((x0 + x1) / 2) * sx, ((y0 + y1) / 2) * sy]);
      const { scores, logits, side } = await this.#decode(embedding, centres);
      const plane = side * side;
      for (const [p, box] of batch.entries()) {
        const options = [0, 1, 2].map((m) => {
          const k = p * 3 + m;
          return planeToEncoderFrame(logits.subarray(k * plane, (k + 1) * plane), side, padSize, frame, res, scores[k]!, box);
        });
        out.push(bestBoxFit(options, boxInEncoderFrame(box, frame, res)));
      }
    }
    return out;
  }

  /** One prompt-decoder call over a batch of positive points (resized-frame pixels). */
  async #decode(embedding: SegmenterEmbedding, points: ReadonlyArray<[number, number]>): Promise<{ scores: Float32Array; logits: Float32Array; side: number }> {
    const p = points.length;
    const coords = new Float32Array(p * 2);
    points.forEach(([x, y], i) => coords.set([x, y], i * 2));
    const out = await runSession('segmenter prompt decoder', this.promptDecoder, {
      input_points: floatInput(this.promptDecoder, 'input_points', coords, [1, p, 1, 2]),
      input_labels: cpuTensor('int64', new BigInt64Array(p).fill(1n), [1, p, 1]),
      image_embeddings: embedding.imageEmbeddings,
      image_positional_embeddings: embedding.positionalEmbeddings,
    });
    const scoresT = out['iou_scores']!;
    const masksT = out['pred_masks']!;
    const side = masksT.dims[masksT.dims.length - 1]!;
    const scores = await readFloats(scoresT);
    const logits = await readFloats(masksT);
    return { scores, logits, side };
  }
}
