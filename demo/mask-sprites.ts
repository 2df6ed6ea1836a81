/**
 * One mask's drawings, made once per image and canvas size so that a slider step only blits them:
 * the mask's geometry (per-pixel work, once per image) and, at the canvas's device-pixel size,
 * small bitmaps cropped to the mask's box for each way the overlay shows it (an object token, cut
 * by the budget, pruned) plus its id labels, one state at a time (a throttled phone CPU takes
 * ~15 ms per state at a 1071-px canvas).
 */
import type { BitMask } from 'mask-llava-web';
import { maskColour, rgb } from './colours.ts';

/** A mask in mask pixels: its fill (M x M canvas), pixel-boundary outline, centroid and box. */
export interface MaskShape {
  id: number;
  size: number;
  fill: HTMLCanvasElement;
  outline: Path2D;
  centre: [number, number];
  bbox: [number, number, number, number];
}

/** A bitmap placed at device pixel (x, y) of the overlay canvas. */
export interface Sprite {
  image: HTMLCanvasElement;
  x: number;
  y: number;
}

/** How the overlay shows a mask. */
export type MaskState = 'object' | 'cut' | 'pruned';

/** Every state, in the order the overlay builds them: objects first, what most plans show. */
export const MASK_STATES: readonly MaskState[] = ['object', 'cut', 'pruned'];

/** A mask's sprite for one state at one canvas size: its outline (with the fill for objects) and its label. */
export interface StateSprites {
  shape: Sprite;
  label: Sprite;
}

/** The per-pixel pass: fill, outline and centroid of a mask. */
export function maskShape(mask: BitMask, id: number): MaskShape {
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
  const seg = (x0: number, y0: number, x1: number, y1: number): void => {
    outline.moveTo(x0, y0);
    outline.lineTo(x1, y1);
  };
  let cx = 0;
  let cy = 0;
  let n = 0;
  // Only the mask's box holds inside pixels.
  const [bx0, by0, bx1, by1] = mask.bbox;
  for (let y = by0; y < by1; y++) {
    for (let x = bx0; x < bx1; x++) {
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
      if (!inside(x, y - 1)) seg(x, y, x + 1, y);
      if (!inside(x, y + 1)) seg(x, y + 1, x + 1, y + 1);
      if (!inside(x - 1, y)) seg(x, y, x, y + 1);
      if (!inside(x + 1, y)) seg(x + 1, y, x + 1, y + 1);
    }
  }
  fill.getContext('2d')!.putImageData(data, 0, 0);
  const centre: [number, number] = n > 0 ? [cx / n, cy / n] : [m / 2, m / 2];
  return { id, size: m, fill, outline, centre, bbox: [...mask.bbox] };
}

/** The mask's sprites for one state on a `width` x `height` device-pixel canvas. */
export function maskSprites(s: MaskShape, state: MaskState, width: number, height: number, dpr: number): StateSprites {
  const colour = rgb(maskColour(s.id));
  const text = String(s.id);
  switch (state) {
    case 'object':
      return { shape: outlineSprite(s, width, height, dpr, colour, [], 2.5, true), label: labelSprite(text, rgb(maskColour(s.id), 0.95), dpr) };
    case 'cut':
      return { shape: outlineSprite(s, width, height, dpr, colour, [6, 4], 2, false), label: labelSprite(text, 'rgba(15, 23, 42, 0.75)', dpr) };
    case 'pruned':
      return { shape: outlineSprite(s, width, height, dpr, 'rgba(226, 232, 240, 0.9)', [3, 3], 1.5, false), label: labelSprite(text, 'rgba(71, 85, 105, 0.9)', dpr) };
  }
}

/** Where a label sprite goes: centred on the mask's centroid. */
export function labelAt(s: MaskShape, label: Sprite, width: number, height: number): [number, number] {
  const x = (s.centre[0] * width) / s.size;
  const y = (s.centre[1] * height) / s.size;
  return [Math.round(x - label.image.width / 2), Math.round(y - label.image.height / 2)];
}

function outlineSprite(s: MaskShape, width: number, height: number, dpr: number, colour: string, dash: number[], lineWidth: number, filled: boolean): Sprite {
  const sx = width / s.size;
  const sy = height / s.size;
  const pad = Math.ceil(lineWidth * dpr) + 1;
  const x = Math.max(0, Math.floor(s.bbox[0] * sx) - pad);
  const y = Math.max(0, Math.floor(s.bbox[1] * sy) - pad);
  const image = document.createElement('canvas');
  image.width = Math.max(1, Math.min(width, Math.ceil(s.bbox[2] * sx) + pad) - x);
  image.height = Math.max(1, Math.min(height, Math.ceil(s.bbox[3] * sy) + pad) - y);
  const ctx = image.getContext('2d')!;
  ctx.translate(-x, -y);
  if (filled) {
    ctx.globalAlpha = 0.5;
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(s.fill, 0, 0, width, height);
    ctx.globalAlpha = 1;
  }
  ctx.scale(sx, sy);
  ctx.setLineDash(dash.map((d) => (d * dpr) / sx));
  ctx.lineWidth = (lineWidth * dpr) / sx;
  ctx.strokeStyle = colour;
  ctx.stroke(s.outline);
  return rastered({ image, x, y });
}

function labelSprite(text: string, bg: string, dpr: number): Sprite {
  const image = document.createElement('canvas');
  const ctx = image.getContext('2d')!;
  const font = `600 ${11 * dpr}px system-ui, sans-serif`;
  ctx.font = font;
  image.width = Math.ceil(ctx.measureText(text).width + 8 * dpr);
  image.height = Math.ceil(16 * dpr);
  const { width: w, height: h } = image;
  ctx.font = font; // resizing reset the context
  ctx.fillStyle = bg;
  ctx.beginPath();
  ctx.roundRect(0, 0, w, h, 8 * dpr);
  ctx.fill();
  ctx.fillStyle = '#fff';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, w / 2, h / 2 + 0.5 * dpr);
  return rastered({ image, x: 0, y: 0 });
}

/**
 * Chromium records 2D-canvas calls and rasterises them when the canvas is first read: a one-pixel
 * read does that now, in the task that builds the sprite, not in a slider step's frame.
 */
function rastered(sprite: Sprite): Sprite {
  sprite.image.getContext('2d')!.getImageData(0, 0, 1, 1);
  return sprite;
}
