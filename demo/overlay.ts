/**
 * Draws the three kinds of visual token on the image: the pooled patch grid as cells, object
 * masks filled in their id's colour, masks cut by the budget as dashed outlines and masks removed
 * by IoU pruning hatched. On a phone the slider must stay fluid, and every change to a canvas
 * costs the main thread a copy of all its pixels at the next frame. So the canvas holds only the
 * image under a veil, drawn when the image or the canvas size changes; what a plan changes lives
 * in a layer above it: the grid is a CSS gradient sized by two custom properties, and the masks
 * are vector paths in one SVG whose viewBox is the mask frame (demo/mask-paths.ts), with HTML
 * labels. A mask's look is its class; a step rewrites the classes of the masks whose state
 * changed, and the browser scales and rasterises the paths off the main thread.
 */
import type { BitMask, Box } from 'mask-llava-web';
import { maskColour, rgb } from './colours.ts';
import { maskPaths } from './mask-paths.ts';

/** What a plan selects, in the terms the overlay draws. */
export interface OverlayPlan {
  /** Pooled patch grid [rows, cols]; [0, 0] when the plan has no patch tokens. */
  grid: [number, number];
  /** Mask ids that became object tokens, in token order. */
  objects: readonly number[];
  /** Mask ids removed by IoU pruning (the rest of the unused masks were cut by the budget). */
  pruned: readonly number[];
}

/** How the overlay shows a mask: a class of its elements (style.css); '' hides it. */
type MaskState = 'object' | 'cut' | 'pruned' | '';

/** A mask's elements: hatch, fill and outline paths in the SVG, its label above, and the state they show. */
interface MaskElements {
  hatch: SVGPathElement;
  fill: SVGPathElement;
  outline: SVGPathElement;
  label: HTMLElement;
  state: MaskState;
}

const SVG = 'http://www.w3.org/2000/svg';
/** The pruned masks' hatch tile, in CSS pixels whatever the canvas size (the pattern is rescaled with it). */
const HATCH_PX = 8;

/** Renders one encoded image and its plans onto a canvas and the token layer above it. */
export class TokenOverlay {
  readonly #canvas: HTMLCanvasElement;
  readonly #ctx: CanvasRenderingContext2D;
  readonly #layer: HTMLElement;
  readonly #grid: HTMLElement;
  readonly #svg: SVGSVGElement;
  readonly #hatch: SVGPatternElement;
  readonly #hatches: SVGGElement;
  readonly #fills: SVGGElement;
  readonly #outlines: SVGGElement;
  #image: CanvasImageSource | null = null;
  #frame: Box = [0, 0, 1, 1];
  #masks: MaskElements[] = [];
  #plan: OverlayPlan | null = null;
  /** Counts images, so that a build scheduled for an earlier one does nothing. */
  #job = 0;
  /** The mask frame's side M (the SVG's viewBox). */
  #side = 1;
  /** What the canvas shows: its image and device-pixel size, to skip redraws that change nothing. */
  #drawn: { image: CanvasImageSource | null; size: string } | null = null;
  #redraw = 0;
  /** The canvas's device-pixel and CSS size as the ResizeObserver last reported them. */
  #pixels: [number, number] | null = null;
  #css: [number, number] = [1, 1];

  /** `layer` is an element laid exactly over `canvas`, for the parts a plan changes. */
  constructor(canvas: HTMLCanvasElement, layer: HTMLElement) {
    this.#canvas = canvas;
    const ctx = canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('This browser cannot draw on a 2D canvas.');
    this.#ctx = ctx;
    this.#layer = layer;
    this.#grid = document.createElement('div');
    this.#grid.className = 'token-grid';
    this.#grid.hidden = true;
    this.#svg = svg('svg', { class: 'token-masks', preserveAspectRatio: 'none' });
    this.#hatch = hatchPattern();
    this.#hatches = svg('g', { class: 'hatches' });
    this.#fills = svg('g', { class: 'fills' });
    this.#outlines = svg('g', { class: 'outlines' });
    const defs = svg('defs');
    defs.append(this.#hatch);
    // Pruned masks' hatches under the objects' fills, fills under every outline (a cut mask's
    // dashes show over an object's fill).
    this.#svg.append(defs, this.#hatches, this.#fills, this.#outlines);
    layer.replaceChildren(this.#grid, this.#svg);
    // The observer's sizes, not clientWidth: reading layout in a step would force one right after the
    // token strip changed (~4 ms of a throttled step).
    new ResizeObserver(([entry]) => {
      const device = entry?.devicePixelContentBoxSize?.[0];
      const css = entry?.contentBoxSize[0];
      const dpr = window.devicePixelRatio || 1;
      if (css) this.#css = [css.inlineSize, css.blockSize];
      if (device) this.#pixels = [device.inlineSize, device.blockSize];
      else if (css) this.#pixels = [Math.round(css.inlineSize * dpr), Math.round(css.blockSize * dpr)];
      this.#scaleHatch();
      this.#draw();
    }).observe(canvas);
  }

  /** Shows a new image; `frame` is the part of it the masks cover. Clears the plan. */
  setImage(image: CanvasImageSource, frame: Box, masks: readonly BitMask[]): void {
    this.#image = image;
    this.#frame = frame;
    this.#plan = null;
    this.#canvas.style.aspectRatio = `${frame[2] - frame[0]} / ${frame[3] - frame[1]}`;
    this.#masks = [];
    this.#layer.replaceChildren(this.#grid, this.#svg);
    this.#grid.hidden = true;
    // The masks' elements are built in a task after the frame that shows the image and the first
    // plan's text and chips, so that the two frames' layout and paint do not add up in one task.
    const job = ++this.#job;
    requestAnimationFrame(() => setTimeout(() => job === this.#job && this.#build(masks), 0));
    this.#requestDraw();
  }

  /** Shows a plan over the current image (its masks as soon as their elements are built). */
  setPlan(plan: OverlayPlan): void {
    this.#plan = plan;
    this.#showPlan(plan);
  }

  /** Each mask's paths and label, in the state the current plan gives it. */
  #build(masks: readonly BitMask[]): void {
    this.#side = masks[0]?.size ?? 1;
    this.#svg.setAttribute('viewBox', `0 0 ${this.#side} ${this.#side}`);
    this.#scaleHatch();
    this.#masks = masks.map((mask, id) => {
      const { fill, outline, centre } = maskPaths(mask);
      const colour = `--c: ${rgb(maskColour(id))}`;
      const label = document.createElement('span');
      label.className = 'mask-label';
      label.textContent = String(id);
      label.style.cssText = `${colour}; left: ${(100 * centre[0]) / mask.size}%; top: ${(100 * centre[1]) / mask.size}%`;
      return { hatch: svg('path', { d: fill }), fill: svg('path', { d: fill, style: colour }), outline: svg('path', { d: outline, style: colour }), label, state: '' };
    });
    this.#hatches.replaceChildren(...this.#masks.map((m) => m.hatch));
    this.#fills.replaceChildren(...this.#masks.map((m) => m.fill));
    this.#outlines.replaceChildren(...this.#masks.map((m) => m.outline));
    this.#layer.append(...this.#masks.map((m) => m.label));
    this.#showPlan(this.#plan);
  }

  /** Redraws the canvas at its current size when its image or size changed. */
  #draw(): void {
    const canvas = this.#canvas;
    const dpr = window.devicePixelRatio || 1;
    const [w, h] = this.#pixels ?? [canvas.clientWidth * dpr, canvas.clientHeight * dpr];
    const width = Math.max(1, Math.round(w));
    const height = Math.max(1, Math.round(h));
    const size = `${width}x${height}`;
    if (this.#drawn?.image === this.#image && this.#drawn.size === size) return;
    // Setting the size clears the canvas, so it is set only with a redraw.
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const ctx = this.#ctx;
    ctx.fillStyle = '#0f172a';
    ctx.fillRect(0, 0, width, height);
    if (this.#image) {
      const [x0, y0, x1, y1] = this.#frame;
      ctx.imageSmoothingEnabled = true;
      // A frame past the image's edges (padding encoders) is clipped by drawImage, leaving the backdrop.
      ctx.drawImage(this.#image, x0, y0, x1 - x0, y1 - y0, 0, 0, width, height);
      // A light veil keeps the masks' colours readable on busy images.
      ctx.fillStyle = 'rgba(15, 23, 42, 0.18)';
      ctx.fillRect(0, 0, width, height);
    }
    this.#drawn = { image: this.#image, size };
  }

  /** Sets the grid and each mask's state for the plan (every mask hidden without one). */
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
    this.#masks.forEach((m, id) => {
      const state: MaskState = !plan ? '' : used.has(id) ? 'object' : pruned.has(id) ? 'pruned' : 'cut';
      if (state === m.state) return;
      m.hatch.setAttribute('class', state);
      m.fill.setAttribute('class', state);
      m.outline.setAttribute('class', state);
      m.label.className = `mask-label ${state}`;
      m.state = state;
    });
  }

  /** A hatch tile of HATCH_PX CSS pixels in the viewBox's units, which the canvas's CSS size sets. */
  #scaleHatch(): void {
    const [w, h] = this.#css;
    this.#hatch.setAttribute('patternTransform', `scale(${this.#side / Math.max(1, w)} ${this.#side / Math.max(1, h)})`);
  }

  /** One canvas redraw per frame however often the image is set in it. */
  #requestDraw(): void {
    if (this.#redraw) return;
    this.#redraw = requestAnimationFrame(() => {
      this.#redraw = 0;
      this.#draw();
    });
  }
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string> = {}): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

/** Light diagonal lines over a dark wash, HATCH_PX CSS pixels a tile before the overlay's scaling. */
function hatchPattern(): SVGPatternElement {
  const n = String(HATCH_PX);
  const pattern = svg('pattern', { id: 'pruned-hatch', patternUnits: 'userSpaceOnUse', width: n, height: n });
  pattern.append(
    svg('rect', { width: n, height: n, fill: 'rgb(15 23 42 / 0.35)' }),
    svg('path', { d: `M${-HATCH_PX} ${n}L0 0M0 ${n}L${n} 0M${n} ${n}L${2 * HATCH_PX} 0`, stroke: 'rgb(241 245 249 / 0.85)', 'stroke-width': '1.5' }),
  );
  return pattern;
}
