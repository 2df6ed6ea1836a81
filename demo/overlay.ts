/**
 * Draws the three kinds of visual token on the image: the pooled patch grid as cells, object
 * masks filled in their id's colour, masks cut by the budget as dashed outlines and masks removed
 * by IoU pruning hatched. On a phone the slider must stay fluid, so what does not change per step
 * is cached at the canvas's device-pixel size: the backdrop (image + veil), the hatched union of
 * pruned masks (it changes with the IoU threshold only) and each mask's sprites, built in short
 * background slices after a new image so that no task runs long. A step blits.
 */
import type { BitMask, Box } from 'mask-llava-web';
import { type MaskShape, type MaskSprites, type MaskState, labelAt, maskShape, maskSprites } from './mask-sprites.ts';

/** What a plan selects, in the terms the overlay draws. */
export interface OverlayPlan {
  /** Pooled patch grid [rows, cols]; [0, 0] when the plan has no patch tokens. */
  grid: [number, number];
  /** Mask ids that became object tokens, in token order. */
  objects: readonly number[];
  /** Mask ids removed by IoU pruning (the rest of the unused masks were cut by the budget). */
  pruned: readonly number[];
}

/** Work per background slice: short enough that a throttled phone CPU stays under 50 ms a task. */
const SLICE_MS = 8;

/** Renders one encoded image and its plans onto a canvas. */
export class TokenOverlay {
  readonly #canvas: HTMLCanvasElement;
  readonly #ctx: CanvasRenderingContext2D;
  #image: CanvasImageSource | null = null;
  #frame: Box = [0, 0, 1, 1];
  #masks: readonly BitMask[] = [];
  #plan: OverlayPlan | null = null;
  /** Per image. */
  #shapes: MaskShape[] = [];
  /** Per image and canvas size (`#size`). */
  #size = '';
  #backdrop: HTMLCanvasElement | null = null;
  #sprites: MaskSprites[] = [];
  #pruned: { key: string; layer: HTMLCanvasElement } | null = null;
  #hatch: CanvasPattern | null = null;
  #building = 0;
  #redraw = 0;

  constructor(canvas: HTMLCanvasElement) {
    this.#canvas = canvas;
    const ctx = canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('This browser cannot draw on a 2D canvas.');
    this.#ctx = ctx;
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  /** Shows a new image; `frame` is the part of it the masks cover. Clears the plan. */
  setImage(image: CanvasImageSource, frame: Box, masks: readonly BitMask[]): void {
    this.#image = image;
    this.#frame = frame;
    this.#masks = masks;
    this.#shapes = [];
    this.#plan = null;
    this.#size = '';
    this.#canvas.style.aspectRatio = `${frame[2] - frame[0]} / ${frame[3] - frame[1]}`;
    // A plan usually follows in the same task and draws; this covers an image shown without one.
    this.#requestDraw();
  }

  /** Shows a plan over the current image. */
  setPlan(plan: OverlayPlan): void {
    this.#plan = plan;
    this.draw();
  }

  /** Redraws at the canvas's current CSS size with whatever sprites are built so far. */
  draw(): void {
    const canvas = this.#canvas;
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(canvas.clientWidth * dpr));
    const height = Math.max(1, Math.round(canvas.clientHeight * dpr));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const ctx = this.#ctx;
    if (!this.#image) {
      ctx.fillStyle = '#0f172a';
      ctx.fillRect(0, 0, width, height);
      return;
    }
    const size = `${width}x${height}@${dpr}`;
    if (size !== this.#size) this.#resize(size);
    const plan = this.#plan;
    if (!plan) {
      this.#drawImage(ctx, width, height);
      return;
    }
    ctx.drawImage((this.#backdrop ??= this.#drawBackdrop(width, height)), 0, 0);
    if (plan.pruned.length > 0) ctx.drawImage(this.#prunedLayer(plan.pruned, width, height, dpr), 0, 0);
    drawGrid(ctx, plan.grid, width, height, dpr);
    const used = new Set(plan.objects);
    const pruned = new Set(plan.pruned);
    const cut = this.#masks.map((_, id) => id).filter((id) => !used.has(id) && !pruned.has(id));
    const layers: Array<[readonly number[], MaskState]> = [[plan.pruned, 'pruned'], [cut, 'cut'], [plan.objects, 'object']];
    for (const [ids, state] of layers) {
      for (const id of ids) {
        const s = this.#sprites[id]?.[state].shape;
        if (s) ctx.drawImage(s.image, s.x, s.y);
      }
    }
    for (const [ids, state] of layers) {
      for (const id of ids) {
        const label = this.#sprites[id]?.[state].label;
        if (label) ctx.drawImage(label.image, ...labelAt(this.#shapes[id]!, label, width, height));
      }
    }
  }

  /** A new canvas size (or image): drop what was drawn at the old one and rebuild in the background. */
  #resize(size: string): void {
    this.#size = size;
    this.#backdrop = null;
    this.#sprites = [];
    this.#pruned = null;
    this.#hatch = null;
    const job = ++this.#building;
    const step = (): void => {
      if (job !== this.#building || !this.#image) return;
      const until = performance.now() + SLICE_MS;
      const { width, height } = this.#canvas;
      const dpr = window.devicePixelRatio || 1;
      let id = this.#sprites.length;
      while (id < this.#masks.length && performance.now() < until) {
        const shape = (this.#shapes[id] ??= maskShape(this.#masks[id]!, id));
        this.#sprites.push(maskSprites(shape, width, height, dpr));
        id++;
      }
      this.#requestDraw();
      if (id < this.#masks.length) setTimeout(step, 0);
    };
    setTimeout(step, 0);
  }

  /** One redraw per frame however many slices finished in it. */
  #requestDraw(): void {
    if (this.#redraw) return;
    this.#redraw = requestAnimationFrame(() => {
      this.#redraw = 0;
      this.draw();
    });
  }

  /** The image scaled to the canvas under a light veil, which keeps colours readable on busy images. */
  #drawBackdrop(width: number, height: number): HTMLCanvasElement {
    const layer = document.createElement('canvas');
    layer.width = width;
    layer.height = height;
    const ctx = layer.getContext('2d', { alpha: false })!;
    this.#drawImage(ctx, width, height);
    ctx.fillStyle = 'rgba(15, 23, 42, 0.18)';
    ctx.fillRect(0, 0, width, height);
    return layer;
  }

  #drawImage(ctx: CanvasRenderingContext2D, width: number, height: number): void {
    ctx.fillStyle = '#0f172a';
    ctx.fillRect(0, 0, width, height);
    const [x0, y0, x1, y1] = this.#frame;
    ctx.imageSmoothingEnabled = true;
    // A frame past the image's edges (padding encoders) is clipped by drawImage, leaving the backdrop.
    ctx.drawImage(this.#image!, x0, y0, x1 - x0, y1 - y0, 0, 0, width, height);
  }

  /** The union of the pruned masks, hatched; rebuilt only when the pruned set changes. */
  #prunedLayer(ids: readonly number[], width: number, height: number, dpr: number): HTMLCanvasElement {
    const key = ids.join(',');
    if (this.#pruned?.key === key) return this.#pruned.layer;
    const layer = this.#pruned?.layer ?? document.createElement('canvas');
    layer.width = width; // also clears it
    layer.height = height;
    const ctx = layer.getContext('2d')!;
    ctx.imageSmoothingEnabled = true;
    for (const id of ids) {
      // Only the mask's box: scaling the whole M x M fill would touch every canvas pixel per mask.
      const { fill, size, bbox: [bx0, by0, bx1, by1] } = (this.#shapes[id] ??= maskShape(this.#masks[id]!, id));
      const sx = width / size;
      const sy = height / size;
      if (bx1 > bx0) ctx.drawImage(fill, bx0, by0, bx1 - bx0, by1 - by0, bx0 * sx, by0 * sy, (bx1 - bx0) * sx, (by1 - by0) * sy);
    }
    ctx.globalCompositeOperation = 'source-in';
    ctx.fillStyle = (this.#hatch ??= hatchPattern(ctx, dpr));
    ctx.fillRect(0, 0, width, height);
    this.#pruned = { key, layer };
    return layer;
  }
}

function drawGrid(ctx: CanvasRenderingContext2D, [rows, cols]: [number, number], width: number, height: number, dpr: number): void {
  if (rows === 0 || cols === 0) return;
  const cw = width / cols;
  const ch = height / rows;
  // One path per pass: a single fill and a single stroke rasterise faster than a call per cell.
  const cells = new Path2D();
  for (let i = 0; i < rows; i++) {
    for (let j = i % 2; j < cols; j += 2) cells.rect(j * cw, i * ch, cw, ch);
  }
  ctx.fillStyle = 'rgba(56, 189, 248, 0.16)';
  ctx.fill(cells);
  ctx.strokeStyle = 'rgba(186, 230, 253, 0.85)';
  ctx.lineWidth = Math.max(1, dpr);
  ctx.beginPath();
  for (let i = 0; i <= rows; i++) {
    const y = Math.round(i * ch) + 0.5;
    ctx.moveTo(0, y);
    ctx.lineTo(width, y);
  }
  for (let j = 0; j <= cols; j++) {
    const x = Math.round(j * cw) + 0.5;
    ctx.moveTo(x, 0);
    ctx.lineTo(x, height);
  }
  ctx.stroke();
}

function hatchPattern(ctx: CanvasRenderingContext2D, dpr: number): CanvasPattern {
  const tile = document.createElement('canvas');
  const n = Math.round(8 * dpr);
  tile.width = n;
  tile.height = n;
  const t = tile.getContext('2d')!;
  t.fillStyle = 'rgba(15, 23, 42, 0.35)';
  t.fillRect(0, 0, n, n);
  t.strokeStyle = 'rgba(241, 245, 249, 0.85)';
  t.lineWidth = 1.5 * dpr;
  t.beginPath();
  for (const o of [-n, 0, n]) {
    t.moveTo(o, n);
    t.lineTo(o + n, 0);
  }
  t.stroke();
  return ctx.createPattern(tile, 'repeat')!;
}
