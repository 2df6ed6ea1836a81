/**
 * Automatic mask generation (AMG) geometry, pure: the point grid, SAM's stability score, the
 * proposal filter, and the mapping of a mask-decoder plane into the encoder's frame. The ORT side
 * (src/worker/segment.ts) only runs the decoder; training/amg.py is the Python reference
 * (tests/fixtures/amg-vectors.json holds its outputs).
 */
import { type BitMask, resampleToMask } from './bitmask.ts';
import { pruneMasks } from './prune.ts';

/** A rectangle `[x0, y0, x1, y1]`; in original-image pixels unless said otherwise. */
export type Box = [x0: number, y0: number, x1: number, y1: number];

/** Automatic-mask-generation settings (a manifest's `segmenter.amg`). */
export interface AmgSettings {
  /** The point grid is pointsPerSide x pointsPerSide over the resized image. */
  pointsPerSide: number;
  /** Points per decoder call (the dynamic point-batch axis). */
  pointsPerBatch: number;
  /** Keep a candidate only when its predicted IoU is above this. */
  predIouThreshold: number;
  /** Keep a candidate only when its stability score is above this. */
  stabilityThreshold: number;
  /** Logit offset for the stability score (SAM: 1.0). */
  stabilityOffset: number;
  /** IoU above which duplicate proposals are merged (mask NMS). */
  nmsThreshold: number;
  /** Drop masks smaller than this fraction of the mask's frame. */
  minAreaFraction: number;
}

/** Where an image sits in the segmenter's padded input and in the encoder's input. */
export interface SegmenterFrame {
  /** Original image width and height, pixels. */
  width: number;
  height: number;
  /** `[h, w]` of the resized image inside the zero-padded `padSize` square. */
  resized: [number, number];
  /** The encoder's input frame in original-image pixels (it may extend past the image). */
  encoderRect: Box;
}

/** Grid of `n x n` prompt points `[x, y]` at cell centres of the resized `[h, w]` image, row-major. */
export function pointGrid(n: number, resized: readonly [number, number]): Array<[number, number]> {
  const [rh, rw] = resized;
  const points: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) points.push([((j + 0.5) / n) * rw, ((i + 0.5) / n) * rh]);
  return points;
}

/** Rows and columns of a `side x side` mask plane covered by the image (the rest is padding). */
export function validPlane(side: number, padSize: number, resized: readonly [number, number]): [rows: number, cols: number] {
  const f = side / padSize;
  return [Math.min(side, Math.ceil(resized[0] * f)), Math.min(side, Math.ceil(resized[1] * f))];
}

/**
 * SAM's stability score over the top-left `rows x cols` of a `side`-wide plane of logits:
 * |logits > offset| / |logits > -offset| (0 when nothing is above -offset).
 */
export function stabilityScore(values: Float32Array, side: number, rows: number, cols: number, offset: number): number {
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

/** Whether a candidate passes the score and stability thresholds (strictly above, as training/amg.py). */
export function passesThresholds(score: number, stability: number, amg: Pick<AmgSettings, 'predIouThreshold' | 'stabilityThreshold'>): boolean {
  return score > amg.predIouThreshold && stability > amg.stabilityThreshold;
}

/**
 * Candidates that pass the area filter (`filtered` counts them), deduplicated by greedy mask NMS
 * in descending order of their score, the predicted IoU (`masks`).
 */
export function selectProposals(
  candidates: readonly BitMask[],
  amg: Pick<AmgSettings, 'minAreaFraction' | 'nmsThreshold'>,
): { masks: BitMask[]; filtered: number } {
  const big = candidates.filter((m) => m.area > 0 && m.area >= amg.minAreaFraction * m.size * m.size);
  const { kept } = pruneMasks(big, { iouThreshold: amg.nmsThreshold });
  return { masks: kept.map((i) => big[i]!), filtered: big.length };
}

/**
 * Crops the encoder's frame out of a `side x side` mask plane (over the `padSize` square) and
 * resamples it to `resolution`. Plane pixels outside the image (padding) count as outside; so do
 * pixels outside `clip` (original-image pixels) when given.
 */
export function planeToEncoderFrame(
  values: Float32Array,
  side: number,
  padSize: number,
  frame: SegmenterFrame,
  resolution: number,
  score: number,
  clip: Box | null,
): BitMask {
  const [rows, cols] = validPlane(side, padSize, frame.resized);
  const f = side / padSize;
  const fx = (frame.resized[1] / frame.width) * f;
  const fy = (frame.resized[0] / frame.height) * f;
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
  return resampleToMask(crop, w, h, resolution, score, 0);
}

/** A box in original pixels expressed in `resolution`-pixels of the encoder frame. */
export function boxInEncoderFrame(box: Box, frame: SegmenterFrame, resolution: number): Box {
  const [x0, y0, x1, y1] = frame.encoderRect;
  const sx = resolution / (x1 - x0);
  const sy = resolution / (y1 - y0);
  return [(box[0] - x0) * sx, (box[1] - y0) * sy, (box[2] - x0) * sx, (box[3] - y0) * sy];
}

/** IoU of two boxes (0 when they do not overlap). */
export function boxIoU(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

/** The candidate of `masks` whose bounding box best fits `target` (first on ties). */
export function bestBoxFit(masks: readonly BitMask[], target: Box): BitMask {
  let best = masks[0]!;
  let bestFit = -1;
  for (const mask of masks) {
    const fit = boxIoU(mask.bbox, target);
    if (fit > bestFit) {
      best = mask;
      bestFit = fit;
    }
  }
  return best;
}
