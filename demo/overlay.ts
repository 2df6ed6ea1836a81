/**
 * Draws the three kinds of visual token on the image: the pooled patch grid as cells, object
 * masks filled in their id's colour, masks cut by the budget as dashed outlines and masks removed
 * by IoU pruning hatched. On a phone the slider must stay fluid, and every change to a canvas
 * costs the main thread a copy of all its pixels at the next frame (~11 ms per step for a
 * 1071 x 1071 canvas under 4x throttling). So the canvas holds only what changes with the image
 * or the IoU threshold (image, veil, hatched union of pruned masks); what a budget step changes
 * lives in a layer of elements above it: the grid is a CSS gradient sized by two custom
 * properties, and each mask's sprites (built at the canvas's device-pixel size in short background
 * slices after a new image, so that no task runs long) are small canvases that a step shows or
 * hides. A step writes a few attributes and copies no pixels.
 */
import type { BitMask, Box } from 'mask-llava-web';
import { MASK_STATES, type MaskShape, type MaskState, type Sprite, type StateSprites, labelAt, maskShape, maskSprites } from './mask-sprites.ts';

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

/** A mask's elements in the token layer, per state as built so far, and the state shown. */
interface MaskElements {
  states: Partial<Record<MaskState, { shape: HTMLCanvasElement; label: HTMLCanvasElement }>>;
  shown: MaskState | null;
}

/** Stacking of the token layer: outlines by state under the objects, every label on top. */
const Z: Record<MaskState, number> = { pruned: 1, cut: 2, object: 3 };
const LABEL_Z = 4;

/** Renders one encoded image and its plans onto a canvas and the token layer above it. */
export class TokenOverlay {
  readonly #canvas: HTMLCanvasElement;
  readonly #ctx: CanvasRenderingContext2D;
  readonly #layer: HTMLElement;
  readonly #grid: HTMLElement;
  #image: CanvasImageSource | null = null;
  #frame: Box = [0, 0, 1, 1];
  #masks: readonly BitMask[] = [];
  #plan: OverlayPlan | null = null;
  /** Per image. */
  #shapes: MaskShape[] = [];
  /** Per image and canvas size (`#size`). */
  #size = '';
  #elements: MaskElements[] = [];
  /** What the canvas shows: the pruned set it was drawn with, or null for the bare image. */
  #drawn: string | null | undefined;
  #hatch: CanvasPattern | null = null;
  #building = 0;
  #redraw = 0;
  /** The canvas's device-pixel size as the ResizeObserver last reported it. */
  #pixels: [number, number] | null = null;

  /** `layer` is an element laid exactly over `canvas`, for the parts a budget step changes. */
  constructor(canvas: HTMLCanvasElement, layer: HTMLElement) {
    this.#canvas = canvas;
    const ctx = canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('This browser cannot draw on a 2D canvas.');
    this.#ctx = ctx;
    this.#layer = layer;
    this.#grid = document.createElement('div');
    this.#grid.className = 'token-grid';
    layer.replaceChildren(this.#grid);
    // The observer's size, not clientWidth: reading layout in a step would force one right after the
    // token strip changed (~4 ms of a throttled step).
    new ResizeObserver(([entry]) => {
      const device = entry?.devicePixelContentBoxSize?.[0];
      const css = entry?.contentBoxSize[0];
      const dpr = window.devicePixelRatio || 1;
      if (device) this.#pixels = [device.inlineSize, device.blockSize];
      else if (css) this.#pixels = [Math.round(css.inlineSize * dpr), Math.round(css.blockSize * dpr)];
      this.draw();
    }).observe(canvas);
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
    const [w, h] = this.#pixels ?? [canvas.clientWidth * dpr, canvas.clientHeight * dpr];
    const width = Math.max(1, Math.round(w));
    const height = Math.max(1, Math.round(h));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
      this.#drawn = undefined;
    }
    if (!this.#image) {
      this.#ctx.fillStyle = '#0f172a';
      this.#ctx.fillRect(0, 0, width, height);
      this.#drawn = undefined;
      this.#showPlan(null);
      return;
    }
    const size = `${width}x${height}@${dpr}`;
    if (size !== this.#size) this.#resize(size);
    const plan = this.#plan;
    // The canvas is redrawn only when what it shows changes: a budget step leaves it alone.
    const key = plan ? plan.pruned.join(',') : null;
    if (key !== this.#drawn) {
      this.#drawImage(this.#ctx, width, height);
      if (plan) this.#drawPruned(plan.pruned, width, height, dpr);
      this.#drawn = key;
    }
    this.#showPlan(plan);
  }

  /** Sets the grid and shows each built mask's sprite for its state in the plan (none without one). */
  #showPlan(plan: OverlayPlan | null): void {
    const [rows, cols] = plan?.grid ?? [0, 0];
    const grid = this.#grid;
    grid.hidden = rows === 0 || cols === 0;
    if (!grid.hidden && (grid.style.getPropertyValue('--rows') !== String(rows) || grid.style.getPropertyValue('--cols') !== String(cols))) {
      grid.style.setProperty('--rows', String(rows));
      grid.style.setProperty('--cols', String(cols));
    }
    const used = new Set(plan?.objects);
    const pruned = new Set(plan?.pruned);
    this.#elements.forEach((el, id) => {
      const wanted: MaskState | null = !plan ? null : used.has(id) ? 'object' : pruned.has(id) ? 'pruned' : 'cut';
      // A state whose sprites are not built yet shows nothing until they are.
      const state = wanted && el.states[wanted] ? wanted : null;
      if (state === el.shown) return;
      for (const [st, hidden] of [[el.shown, true], [state, false]] as const) {
        const sprites = st && el.states[st];
        if (!sprites) continue;
        sprites.shape.hidden = hidden;
        sprites.label.hidden = hidden;
      }
      el.shown = state;
    });
  }

  /** A new canvas size (or image): drop the sprites made for the old one and rebuild in the background. */
  #resize(size: string): void {
    this.#size = size;
    this.#elements = [];
    this.#layer.replaceChildren(this.#grid);
    this.#drawn = undefined;
    this.#hatch = null;
    const job = ++this.#building;
    let next = 0;
    const step = (): void => {
      if (job !== this.#building || !this.#image) return;
      const until = performance.now() + SLICE_MS;
      const { width, height } = this.#canvas;
      const dpr = window.devicePixelRatio || 1;
      // One state of one mask per unit of work: a mask's three states take ~45 ms on a throttled phone.
      while (next < this.#masks.length * MASK_STATES.length && performance.now() < until) {
        const id = Math.floor(next / MASK_STATES.length);
        const state = MASK_STATES[next % MASK_STATES.length]!;
        const shape = (this.#shapes[id] ??= maskShape(this.#masks[id]!, id));
        const el = (this.#elements[id] ??= { states: {}, shown: null });
        const placed = placeSprites(shape, state, maskSprites(shape, state, width, height, dpr), width, height);
        el.states[state] = placed;
        this.#layer.append(placed.shape, placed.label);
        next++;
      }
      this.#requestDraw();
      if (next < this.#masks.length * MASK_STATES.length) setTimeout(step, 0);
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
  #drawImage(ctx: CanvasRenderingContext2D, width: number, height: number): void {
    ctx.fillStyle = '#0f172a';
    ctx.fillRect(0, 0, width, height);
    const [x0, y0, x1, y1] = this.#frame;
    ctx.imageSmoothingEnabled = true;
    // A frame past the image's edges (padding encoders) is clipped by drawImage, leaving the backdrop.
    ctx.drawImage(this.#image!, x0, y0, x1 - x0, y1 - y0, 0, 0, width, height);
    ctx.fillStyle = 'rgba(15, 23, 42, 0.18)';
    ctx.fillRect(0, 0, width, height);
  }

  /** The union of the pruned masks, hatched, over the image. */
  #drawPruned(ids: readonly number[], width: number, height: number, dpr: number): void {
    if (ids.length === 0) return;
    const layer = document.createElement('canvas');
    layer.width = width;
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
    this.#ctx.drawImage(layer, 0, 0);
  }
}

/**
 * A mask's sprites for one state as hidden elements of the token layer, placed in percent of the
 * canvas so that they stay on their mask whatever CSS size the canvas is later shown at.
 */
function placeSprites(shape: MaskShape, state: MaskState, sprites: StateSprites, width: number, height: number): { shape: HTMLCanvasElement; label: HTMLCanvasElement } {
  const place = (s: Sprite, z: number): HTMLCanvasElement => {
    const el = s.image;
    el.hidden = true;
    el.className = 'token-sprite';
    Object.assign(el.style, {
      left: `${(100 * s.x) / width}%`,
      top: `${(100 * s.y) / height}%`,
      width: `${(100 * el.width) / width}%`,
      height: `${(100 * el.height) / height}%`,
      zIndex: String(z),
    });
    return el;
  };
  const [x, y] = labelAt(shape, sprites.label, width, height);
  return { shape: place(sprites.shape, Z[state]), label: place({ image: sprites.label.image, x, y }, LABEL_Z) };
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
