/**
 * Draws the three kinds of visual token on the image: the pooled patch grid as cells, object
 * masks filled in their id's colour, masks cut by the budget as dashed outlines and masks removed
 * by IoU pruning hatched. Masks are turned into sprites once per image, so a redraw on every
 * slider move only composites (no per-pixel work).
 */
import type { BitMask, Box } from 'mask-llava-web';
import { maskColour, rgb } from './colours.ts';

/** What a plan selects, in the terms the overlay draws. */
export interface OverlayPlan {
  /** Pooled patch grid [rows, cols]; [0, 0] when the plan has no patch tokens. */
  grid: [number, number];
  /** Mask ids that became object tokens, in token order. */
  objects: readonly number[];
  /** Mask ids removed by IoU pruning (the rest of the unused masks were cut by the budget). */
  pruned: readonly number[];
}

interface MaskSprite {
  /** M x M canvas, the mask opaque in its colour. */
  fill: HTMLCanvasElement;
  /** Pixel-boundary outline in mask pixel units. */
  outline: Path2D;
  /** Centroid in mask pixel units (label position). */
  centre: [number, number];
}

/** Renders one encoded image and its plans onto a canvas. */
export class TokenOverlay {
  readonly #canvas: HTMLCanvasElement;
  readonly #ctx: CanvasRenderingContext2D;
  readonly #scratch = document.createElement('canvas');
  #image: CanvasImageSource | null = null;
  #frame: Box = [0, 0, 1, 1];
  #sprites: MaskSprite[] = [];
  #plan: OverlayPlan | null = null;
  #hatch: CanvasPattern | null = null;

  constructor(canvas: HTMLCanvasElement) {
    this.#canvas = canvas;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('This browser cannot draw on a 2D canvas.');
    this.#ctx = ctx;
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  /** Shows a new image; `frame` is the part of it the masks cover. Clears the plan. */
  setImage(image: CanvasImageSource, frame: Box, masks: readonly BitMask[]): void {
    this.#image = image;
    this.#frame = frame;
    this.#sprites = masks.map((m, id) => makeSprite(m, id));
    this.#plan = null;
    this.#canvas.style.aspectRatio = `${frame[2] - frame[0]} / ${frame[3] - frame[1]}`;
    this.draw();
  }

  /** Shows a plan over the current image. */
  setPlan(plan: OverlayPlan): void {
    this.#plan = plan;
    this.draw();
  }

  /** Redraws at the canvas's current CSS size. */
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
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#0f172a';
    ctx.fillRect(0, 0, width, height);
    if (!this.#image) return;
    const [x0, y0, x1, y1] = this.#frame;
    ctx.imageSmoothingEnabled = true;
    // A frame past the image's edges (padding encoders) is clipped by drawImage, leaving the backdrop.
    ctx.drawImage(this.#image, x0, y0, x1 - x0, y1 - y0, 0, 0, width, height);
    const plan = this.#plan;
    if (!plan) return;
    // A light veil keeps colours readable on busy images.
    ctx.fillStyle = 'rgba(15, 23, 42, 0.18)';
    ctx.fillRect(0, 0, width, height);
    this.#drawGrid(plan.grid, width, height, dpr);
    this.#drawMasks(plan, width, height, dpr);
  }

  #drawGrid([rows, cols]: [number, number], width: number, height: number, dpr: number): void {
    if (rows === 0 || cols === 0) return;
    const ctx = this.#ctx;
    const cw = width / cols;
    const ch = height / rows;
    ctx.fillStyle = 'rgba(56, 189, 248, 0.16)';
    for (let i = 0; i < rows; i++) {
      for (let j = (i % 2); j < cols; j += 2) ctx.fillRect(j * cw, i * ch, cw, ch);
    }
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

  #drawMasks(plan: OverlayPlan, width: number, height: number, dpr: number): void {
    const ctx = this.#ctx;
    const used = new Set(plan.objects);
    const pruned = new Set(plan.pruned);
    const cut = this.#sprites.map((_, id) => id).filter((id) => !used.has(id) && !pruned.has(id));
    const size = this.#sprites[0]?.fill.width ?? 1;
    const sx = width / size;
    const sy = height / size;

    // Pruned masks: their union hatched in one composite pass.
    if (pruned.size > 0) {
      const scratch = this.#scratch;
      scratch.width = width;
      scratch.height = height;
      const sctx = scratch.getContext('2d')!;
      sctx.imageSmoothingEnabled = true;
      for (const id of pruned) {
        const s = this.#sprites[id];
        if (s) sctx.drawImage(s.fill, 0, 0, width, height);
      }
      sctx.globalCompositeOperation = 'source-in';
      sctx.fillStyle = this.#hatchPattern(sctx, dpr);
      sctx.fillRect(0, 0, width, height);
      ctx.drawImage(scratch, 0, 0);
    }
    ctx.globalAlpha = 0.5;
    for (const id of plan.objects) {
      const s = this.#sprites[id];
      if (s) ctx.drawImage(s.fill, 0, 0, width, height);
    }
    ctx.globalAlpha = 1;

    const stroke = (id: number, colour: string, dash: number[], lineWidth: number): void => {
      const s = this.#sprites[id];
      if (!s) return;
      ctx.save();
      ctx.scale(sx, sy);
      ctx.setLineDash(dash.map((d) => (d * dpr) / sx));
      ctx.lineWidth = (lineWidth * dpr) / sx;
      ctx.strokeStyle = colour;
      ctx.stroke(s.outline);
      ctx.restore();
    };
    for (const id of pruned) stroke(id, 'rgba(226, 232, 240, 0.9)', [3, 3], 1.5);
    for (const id of cut) stroke(id, rgb(maskColour(id)), [6, 4], 2);
    for (const id of plan.objects) stroke(id, rgb(maskColour(id)), [], 2.5);

    const label = (id: number, text: string, bg: string): void => {
      const s = this.#sprites[id];
      if (!s) return;
      const x = s.centre[0] * sx;
      const y = s.centre[1] * sy;
      ctx.font = `600 ${11 * dpr}px system-ui, sans-serif`;
      const w = ctx.measureText(text).width + 8 * dpr;
      const h = 16 * dpr;
      ctx.fillStyle = bg;
      ctx.beginPath();
      ctx.roundRect(x - w / 2, y - h / 2, w, h, 8 * dpr);
      ctx.fill();
      ctx.fillStyle = '#fff';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(text, x, y + 0.5 * dpr);
    };
    for (const id of pruned) label(id, `${id}`, 'rgba(71, 85, 105, 0.9)');
    for (const id of cut) label(id, `${id}`, 'rgba(15, 23, 42, 0.75)');
    for (const id of plan.objects) label(id, `${id}`, rgb(maskColour(id), 0.95));
  }

  #hatchPattern(ctx: CanvasRenderingContext2D, dpr: number): CanvasPattern {
    if (this.#hatch) return this.#hatch;
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
    this.#hatch = ctx.createPattern(tile, 'repeat')!;
    return this.#hatch;
  }
}

function makeSprite(mask: BitMask, id: number): MaskSprite {
  const m = mask.size;
  const inside = (x: number, y: number): boolean => {
    if (x < 0 || y < 0 || x >= m || y >= m) return false;
    const i = y * m + x;
    return ((mask.bits[i >>> 5]! >>> (i & 31)) & 1) === 1;
  };
  const fill = document.createElement('canvas');
  fill.width = m;
  fill.height = m;
  const data = new ImageData(m, m);
  const [r, g, b] = maskColour(id);
  const outline = new Path2D();
  let cx = 0;
  let cy = 0;
  let n = 0;
  for (let y = 0; y < m; y++) {
    for (let x = 0; x < m; x++) {
      if (!inside(x, y)) continue;
      const o = (y * m + x) * 4;
      data.data[o] = r;
      data.data[o + 1] = g;
      data.data[o + 2] = b;
      data.data[o + 3] = 255;
      cx += x + 0.5;
      cy += y + 0.5;
      n++;
      // One segment per side that borders the outside: a crisp pixel-boundary contour.
      if (!inside(x, y - 1)) segment(outline, x, y, x + 1, y);
      if (!inside(x, y + 1)) segment(outline, x, y + 1, x + 1, y + 1);
      if (!inside(x - 1, y)) segment(outline, x, y, x, y + 1);
      if (!inside(x + 1, y)) segment(outline, x + 1, y, x + 1, y + 1);
    }
  }
  fill.getContext('2d')!.putImageData(data, 0, 0);
  const centre: [number, number] = n > 0 ? [cx / n, cy / n] : [m / 2, m / 2];
  return { fill, outline, centre };
}

function segment(path: Path2D, x0: number, y0: number, x1: number, y1: number): void {
  path.moveTo(x0, y0);
  path.lineTo(x1, y1);
}
