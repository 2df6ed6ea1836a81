/** An image encoded by a {@link MaskLlava}: masks on the main thread, features in the worker. */
import type { MaskLlava } from './client.ts';
import type { BitMask } from './masks/bitmask.ts';
import { type PlanImageOptions, type TokenPlan, planImage } from './tokens/plan.ts';
import type { TokenNorms } from './tokens/token-norms.ts';
import type { Box } from './worker/protocol.ts';

/** Timings of one encode() call, ms. */
export interface EncodeTimings {
  /** Decoding the input to RGBA (main thread). */
  decodeMs: number;
  /** Building pixel_values for the encoder and the segmenter (worker). */
  preprocessMs: number;
  /** Image encoder run (worker). */
  encodeMs: number;
  /** Segmenter vision encoder + mask generation (worker). */
  segmentMs: number;
  /** Whole call, wall time. */
  totalMs: number;
}

/**
 * One image encoded by a {@link MaskLlava} instance: its masks live here, its features in the
 * worker. Plan on every slider move; ask as many questions as you like; `release()` when done.
 */
export class EncodedImage {
  /** Width and height of the decoded image, pixels. */
  readonly width: number;
  readonly height: number;
  /** Object masks over the encoder's input frame, best first (bit-packed, with bbox and score). */
  readonly masks: readonly BitMask[];
  /** The encoder's patch grid [rows, cols]. */
  readonly grid: [number, number];
  /** Where the time went. */
  readonly timings: EncodeTimings;
  /** Mask-generation counts: decoder candidates, and those left after filtering (before NMS). */
  readonly proposals: { candidates: number; filtered: number };
  /**
   * The encoder's input frame `[x0, y0, x1, y1]` in image pixels: the masks and the patch grid
   * cover it (a centre crop, or past the image's edges when the encoder pads).
   */
  readonly frame: Box;
  /** L2 norms of the CLS token before and after norm scaling, and the mean patch-token norm. */
  readonly norms: TokenNorms;
  readonly #release: () => void;
  #released = false;

  /** @internal Created by {@link MaskLlava.encode}. */
  constructor(
    readonly id: number,
    readonly owner: MaskLlava,
    init: Pick<EncodedImage, 'width' | 'height' | 'masks' | 'grid' | 'timings' | 'proposals' | 'frame' | 'norms'>,
    release: () => void,
  ) {
    this.width = init.width;
    this.height = init.height;
    this.masks = init.masks;
    this.grid = init.grid;
    this.timings = init.timings;
    this.proposals = init.proposals;
    this.frame = init.frame;
    this.norms = init.norms;
    this.#release = release;
  }

  /** Whether {@link release} was called. */
  get released(): boolean {
    return this.#released;
  }

  /**
   * Chooses the visual tokens for a budget, synchronously on the calling thread: IoU pruning of
   * the masks, then the split between CLS, pooled patches and objects (docs/composition.md).
   * `{ budget: 57 }` gives 1 CLS + 6x6 patches + 20 objects when 20 masks survive.
   */
  plan(opts: PlanImageOptions): TokenPlan {
    return planImage(this.masks, this.grid, opts);
  }

  /** Frees the worker-side features. Later generate() calls with this image throw ReleasedError. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#release();
  }
}
