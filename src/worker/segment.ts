/**
 * The segmenter (SAM's two-stage layout, as in the SlimSAM exports): one vision-encoder run per
 * image, then automatic mask generation (AMG) from a grid of point prompts, or masks from
 * caller-given boxes. Masks leave as bit-packed masks over the encoder's input frame.
 */
import { InvalidArgumentError } from '../errors.ts';
import { type BitMask, resampleToMask } from '../masks/bitmask.ts';
import { pruneMasks } from '../masks/prune.ts';
import type { ModelManifest } from '../models/manifest.ts';
import { ort, runSession } from './backend.ts';
import type { AmgSettings, Box as Rect } from './protocol.ts';
import { yieldToEventLoop } from './yield.ts';

/** Where an image sits in the segmenter's padded input. */
export interface SegmenterFrame {
  /** Original image width and height, pixels. */
  width: number;
  height: number;
  /** `[h, w]` of the resized image inside the zero-padded `padSize` square. */
  resized: [number, number];
  /** The encoder's input frame in original-image pixels (it may extend past the image). */
  encoderRect: Rect;
}

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
      pixel_values: new ort.Tensor('float32', pixels, [...dims]),
    });
    return { imageEmbeddings: out['image_embeddings']!, positionalEmbeddings: out['image_positional_embeddings']! };
  }

  /**
   * Automatic mask generation: a `pointsPerSide^2` grid of positive points over the resized image,
   * decoded `pointsPerBatch` at a time (the dynamic point axis); each point's three candidate
   * masks are kept when predicted IoU >= predIouThreshold, stability >= stabilityThreshold and
   * area >= minAreaFraction of the frame, then duplicates are removed greedily by mask IoU.
   */
  async automatic(embedding: SegmenterEmbedding, frame: SegmenterFrame, amg: AmgSettings, signal: AbortSignal): Promise<MaskProposals> {
    const [rh, rw] = frame.resized;
    const n = amg.pointsPerSide;
    const points: Array<[number, number]> = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) points.push([((j + 0.5) / n) * rw, ((i + 0.5) / n) * rh]);

    const kept: BitMask[] = [];
    let candidates = 0;
    const minArea = amg.minAreaFraction * this.#maskResolution * this.#maskResolution;
    for (let b = 0; b < points.length; b += amg.pointsPerBatch) {
      await yieldToEventLoop();
      signal.throwIfAborted();
      const batch = points.slice(b, b + amg.pointsPerBatch);
      const { scores, logits, side } = await this.#decode(embedding, batch);
      const plane = side * side;
      for (let k = 0; k < scores.length; k++) {
        candidates++;
        const score = scores[k]!;
        if (score < amg.predIouThreshold) continue;
        const values = logits.subarray(k * plane, (k + 1) * plane);
        if (this.#stability(values, side, frame) < amg.stabilityThreshold) continue;
        const mask = this.#toEncoderFrame(values, side, frame, score, null);
        if (mask.area >= minArea && mask.area > 0) kept.push(mask);
      }
    }
    const { kept: order } = pruneMasks(kept, { iouThreshold: amg.nmsThreshold });
    return { masks: order.map((i) => kept[i]!), candidates, filtered: kept.length };
  }

  /**
   * Masks from caller boxes `[x0, y0, x1, y1]` in original-image pixels. The SlimSAM-style export
   * has no box input, so each box becomes one positive point at its centre; of the three candidate
   * masks the one whose bounding box best matches the box is taken, clipped to the box. Masks are
   * returned in box order with SAM's predicted IoU as score.
   */
  async fromBoxes(embedding: SegmenterEmbedding, frame: SegmenterFrame, boxes: readonly Rect[], signal: AbortSignal): Promise<BitMask[]> {
    const [rh, rw] = frame.resized;
    const sx = rw / frame.width;
    const sy = rh / frame.height;
    for (const [i, box] of boxes.entries()) {
      const [x0, y0, x1, y1] = box;
      if (![x0, y0, x1, y1].every(Number.isFinite) || x1 <= x0 || y1 <= y0) {
        throw new InvalidArgumentError(`boxes[${i}] must be [x0, y0, x1, y1] in image pixels with x1 > x0 and y1 > y0, got ${JSON.stringify(box)}`);
      }
    }
    const out: BitMask[] = [];
    for (let b = 0; b < boxes.length; b += this.#seg.amg.pointsPerBatch) {
      await yieldToEventLoop();
      signal.throwIfAborted();
      const batch = boxes.slice(b, b + this.#seg.amg.pointsPerBatch);
      const centres = batch.map(([x0, y0, x1, y1]): [number, number] => [((x0 + x1) / 2) * sx, ((y0 + y1) / 2) * sy]);
      const { scores, logits, side } = await this.#decode(embedding, centres);
      const plane = side * side;
      for (const [p, box] of batch.entries()) {
        const target = this.#boxInEncoderFrame(box, frame);
        let best: BitMask | undefined;
        let bestFit = -1;
        for (let m = 0; m < 3; m++) {
          const k = p * 3 + m;
          const mask = this.#toEncoderFrame(logits.subarray(k * plane, (k + 1) * plane), side, frame, scores[k]!, box);
          const fit = boxIoU(mask.bbox, target);
          if (fit > bestFit) {
            best = mask;
            bestFit = fit;
          }
        }
        out.push(best!);
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
      input_points: new ort.Tensor('float32', coords, [1, p, 1, 2]),
      input_labels: new ort.Tensor('int64', new BigInt64Array(p).fill(1n), [1, p, 1]),
      image_embeddings: embedding.imageEmbeddings,
      image_positional_embeddings: embedding.positionalEmbeddings,
    });
    const scoresT = out['iou_scores']!;
    const masksT = out['pred_masks']!;
    const scores = (await scoresT.getData()) as Float32Array;
    const logits = (await masksT.getData()) as Float32Array;
    const side = masksT.dims[masksT.dims.length - 1]!;
    scoresT.dispose();
    masksT.dispose();
    return { scores, logits, side };
  }

  /** Rows and columns of the mask plane covered by the image (the rest is padding). */
  #valid(side: number, frame: SegmenterFrame): [rows: number, cols: number] {
    const f = side / this.#seg.preprocess.padSize;
    return [Math.min(side, Math.ceil(frame.resized[0] * f)), Math.min(side, Math.ceil(frame.resized[1] * f))];
  }

  /** SAM's stability score over the image region: |logits > offset| / |logits > -offset|. */
  #stability(values: Float32Array, side: number, frame: SegmenterFrame): number {
    const [rows, cols] = this.#valid(side, frame);
    const offset = this.#seg.amg.stabilityOffset;
    let inner = 0;
    let outer = 0;
    for (let y = 0; y < rows; y++) {
      for (let x = 0, i = y * side; x < cols; x++, i++) {
        const v = values[i]!;
        if (v > offset) inner++;
        if (v > -offset) outer++;
      }
    }
    return outer === 0 ? 0 : inner / outer;
  }

  /** Scale from original-image pixels to mask-plane pixels. */
  #toPlane(side: number, frame: SegmenterFrame): [number, number] {
    const f = side / this.#seg.preprocess.padSize;
    return [(frame.resized[1] / frame.width) * f, (frame.resized[0] / frame.height) * f];
  }

  /**
   * Crops the encoder's frame out of a mask plane and resamples it to `maskResolution`. Plane
   * pixels outside the image (padding) count as outside; so do pixels outside `clip` when given.
   */
  #toEncoderFrame(values: Float32Array, side: number, frame: SegmenterFrame, score: number, clip: Rect | null): BitMask {
    const [rows, cols] = this.#valid(side, frame);
    const [fx, fy] = this.#toPlane(side, frame);
    const [x0, y0, x1, y1] = frame.encoderRect;
    const px0 = Math.round(x0 * fx);
    const py0 = Math.round(y0 * fy);
    const w = Math.max(1, Math.round(x1 * fx) - px0);
    const h = Math.max(1, Math.round(y1 * fy) - py0);
    const [cx0, cy0, cx1, cy1] = clip ? [clip[0] * fx, clip[1] * fy, clip[2] * fx, clip[3] * fy] : [0, 0, cols, rows];
    const crop = new Float32Array(w * h).fill(-1e9);
    for (let y = 0; y < h; y++) {
      const sy = py0 + y;
      if (sy < 0 || sy >= rows || sy + 0.5 < cy0 || sy + 0.5 > cy1) continue;
      for (let x = 0; x < w; x++) {
        const sx = px0 + x;
        if (sx < 0 || sx >= cols || sx + 0.5 < cx0 || sx + 0.5 > cx1) continue;
        crop[y * w + x] = values[sy * side + sx]!;
      }
    }
    return resampleToMask(crop, w, h, this.#maskResolution, score, 0);
  }

  /** A box in original pixels expressed in mask-resolution pixels of the encoder frame. */
  #boxInEncoderFrame(box: Rect, frame: SegmenterFrame): Rect {
    const [x0, y0, x1, y1] = frame.encoderRect;
    const m = this.#maskResolution;
    const sx = m / (x1 - x0);
    const sy = m / (y1 - y0);
    return [(box[0] - x0) * sx, (box[1] - y0) * sy, (box[2] - x0) * sx, (box[3] - y0) * sy];
  }
}

function boxIoU(a: Rect, b: Rect): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}
