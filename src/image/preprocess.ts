/**
 * Image -> `pixel_values` for the encoder (CLIPImageProcessor semantics) and the segmenter
 * (SamProcessor semantics), in plain TypeScript so it runs in workers and node alike.
 */
import { InvalidArgumentError } from '../errors.ts';
import type { EncoderPreprocess, ResampleMode, SegmenterPreprocess } from '../models/manifest.ts';
import { checkInteger } from '../validate.ts';
import type { RGBAImage } from './decode.ts';
import { type ResampleFilter, canvasResampleRGB, resampleRGB } from './resample.ts';

/** Encoder input: `pixel_values` data (CHW) and its dims. */
export interface EncoderPixels {
  data: Float32Array;
  dims: [1, 3, number, number];
  /**
   * Where the original image lands in the encoder frame: pixel `(x, y)` of the image maps to
   * `(x * scaleX - left, y * scaleY - top)`; needed to map masks onto the encoder's patch grid.
   */
  placement: { scaleX: number; scaleY: number; left: number; top: number };
}

/** Segmenter input: `pixel_values` (CHW, zero-padded bottom/right) and the resized content size. */
export interface SegmenterPixels {
  data: Float32Array;
  dims: [1, 3, number, number];
  /** `[h, w]` of the resized image inside the padded frame (SAM's `reshaped_input_sizes`). */
  resized: [h: number, w: number];
}

interface Normalize {
  rescaleFactor: number;
  mean: [number, number, number];
  std: [number, number, number];
}

/** HWC float RGB on the 0..255 scale. */
interface RGBFloat {
  width: number;
  height: number;
  rgb: Float32Array;
}

/**
 * Resize target the way transformers.js computes it: scale, round to 2 decimals, floor (so
 * 335.99999 becomes 336, not 335).
 */
function scaledSize(size: number, scale: number): number {
  return Math.max(1, Math.floor(Number((size * scale).toFixed(2))));
}

function checkImage(img: RGBAImage): void {
  checkInteger('image width', img.width, 1);
  checkInteger('image height', img.height, 1);
  if (img.data.length !== img.width * img.height * 4) {
    throw new InvalidArgumentError(`image data has ${img.data.length} bytes for ${img.width}x${img.height}; pass width*height*4 RGBA bytes`);
  }
}

function checkMode(mode: string | undefined): ResampleMode {
  const m = mode ?? 'canvas';
  if (m !== 'canvas' && m !== 'pillow') throw new InvalidArgumentError(`unknown resample mode ${JSON.stringify(m)}; pass 'canvas' or 'pillow'`);
  return m;
}

/** The whole image resized to `w x h` with the mode's filter (no-op at the same size, as transformers.js). */
function resize(img: RGBAImage, w: number, h: number, mode: ResampleMode, pillowFilter: ResampleFilter): RGBFloat {
  if (mode === 'canvas') {
    if (w === img.width && h === img.height) {
      const rgb = new Float32Array(w * h * 3);
      for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) {
        rgb[j] = img.data[i]!;
        rgb[j + 1] = img.data[i + 1]!;
        rgb[j + 2] = img.data[i + 2]!;
      }
      return { width: w, height: h, rgb };
    }
    return { width: w, height: h, rgb: canvasResampleRGB(img, w, h) };
  }
  return { width: w, height: h, rgb: resampleRGB(img, { scaledW: w, scaledH: h, left: 0, top: 0, width: w, height: h }, { filter: pillowFilter }) };
}

/**
 * A `cw x ch` window of `src` at `(left, top)`, black outside. Offsets may end in .5 (transformers.js
 * centers with `(size - crop) / 2` and lets the canvas interpolate): such pixels average their two
 * (or four) neighbours and truncate, as the canvas does.
 */
function crop(src: RGBFloat, cw: number, ch: number, left: number, top: number): Float32Array {
  const out = new Float32Array(cw * ch * 3);
  const x0 = Math.floor(left);
  const y0 = Math.floor(top);
  const fx = left - x0 > 0 ? 1 : 0;
  const fy = top - y0 > 0 ? 1 : 0;
  const taps = (1 + fx) * (1 + fy);
  for (let y = 0; y < ch; y++) {
    const sy = y + y0;
    if (sy < 0 || sy + fy >= src.height) continue;
    for (let x = 0; x < cw; x++) {
      const sx = x + x0;
      if (sx < 0 || sx + fx >= src.width) continue;
      const o = (y * cw + x) * 3;
      for (let k = 0; k < 3; k++) {
        let sum = 0;
        for (let dy = 0; dy <= fy; dy++) for (let dx = 0; dx <= fx; dx++) sum += src.rgb[((sy + dy) * src.width + sx + dx) * 3 + k]!;
        out[o + k] = taps === 1 ? sum : Math.floor(sum / taps);
      }
    }
  }
  return out;
}

/**
 * Rescales HWC RGB (0..255) to CHW `(v * rescaleFactor - mean) / std`, placed at `(x0, y0)` of a
 * zero-filled `frameW x frameH` frame (zero after normalising is the mean colour).
 */
function normalizeToCHW(rgb: Float32Array, w: number, h: number, frameW: number, frameH: number, x0: number, y0: number, p: Normalize): Float32Array {
  const plane = frameW * frameH;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const mean = p.mean[c]!;
    const inv = 1 / p.std[c]!;
    for (let y = 0; y < h; y++) {
      const dst = c * plane + (y + y0) * frameW + x0;
      const src = y * w * 3 + c;
      for (let x = 0; x < w; x++) out[dst + x] = (rgb[src + 3 * x]! * p.rescaleFactor - mean) * inv;
    }
  }
  return out;
}

/**
 * CLIPImageProcessor. Mode 'crop': resize so the shortest edge is `shortestEdge`, center-crop
 * `cropSize` (black where the resized image is smaller). Mode 'pad': resize so the image fits in
 * `cropSize` and center it on the mean colour (LLaVA's expand-to-square). Mode 'resize': resize to
 * exactly `cropSize` (SigLIP's `size: {height, width}`). Then
 * `(v * rescaleFactor - mean) / std`, channel-first. `p.resample` picks transformers.js's browser
 * resizing ('canvas', default) or Python's (Pillow bicubic, antialiased, floored crop offset).
 */
export function preprocessForEncoder(img: RGBAImage, p: EncoderPreprocess): EncoderPixels {
  checkImage(img);
  const mode = checkMode(p.resample);
  const [ch, cw] = p.cropSize;
  checkInteger('cropSize[0]', ch, 1);
  checkInteger('cropSize[1]', cw, 1);
  if (p.mode === 'crop') {
    checkInteger('shortestEdge', p.shortestEdge, 1);
    const scale = Math.max(p.shortestEdge / img.width, p.shortestEdge / img.height);
    const sw = scaledSize(img.width, scale);
    const sh = scaledSize(img.height, scale);
    let left = (sw - cw) / 2;
    let top = (sh - ch) / 2;
    let rgb: Float32Array;
    if (mode === 'canvas') {
      rgb = crop(resize(img, sw, sh, mode, 'bicubic'), cw, ch, left, top);
    } else {
      // Resize and crop in one pass: only the cropped window is computed.
      left = Math.floor(left);
      top = Math.floor(top);
      rgb = resampleRGB(img, { scaledW: sw, scaledH: sh, left, top, width: cw, height: ch }, { filter: 'bicubic' });
    }
    return {
      data: normalizeToCHW(rgb, cw, ch, cw, ch, 0, 0, p),
      dims: [1, 3, ch, cw],
      placement: { scaleX: sw / img.width, scaleY: sh / img.height, left, top },
    };
  }
  if (p.mode === 'pad') {
    const scale = Math.min(cw / img.width, ch / img.height);
    const sw = Math.min(cw, scaledSize(img.width, scale));
    const sh = Math.min(ch, scaledSize(img.height, scale));
    const x0 = Math.floor((cw - sw) / 2);
    const y0 = Math.floor((ch - sh) / 2);
    const resized = resize(img, sw, sh, mode, 'bicubic');
    return {
      data: normalizeToCHW(resized.rgb, sw, sh, cw, ch, x0, y0, p),
      dims: [1, 3, ch, cw],
      placement: { scaleX: sw / img.width, scaleY: sh / img.height, left: 0 - x0, top: 0 - y0 }, // 0 - x: never -0
    };
  }
  if (p.mode === 'resize') {
    // SigLIP-style `size: {height, width}`: both sides scaled independently, nothing cropped.
    const resized = resize(img, cw, ch, mode, 'bicubic');
    return {
      data: normalizeToCHW(resized.rgb, cw, ch, cw, ch, 0, 0, p),
      dims: [1, 3, ch, cw],
      placement: { scaleX: cw / img.width, scaleY: ch / img.height, left: 0, top: 0 },
    };
  }
  throw new InvalidArgumentError(`unknown preprocess mode ${JSON.stringify(p.mode)}; pass 'crop', 'pad' or 'resize'`);
}

/**
 * SamProcessor: resize so the longest edge is `longestEdge` (keeping aspect ratio), rescale,
 * normalize, then zero-pad bottom/right to `padSize x padSize` after normalising. `p.resample`
 * picks transformers.js's browser resizing ('canvas', default) or Python's (Pillow bilinear,
 * antialiased).
 */
export function preprocessForSegmenter(img: RGBAImage, p: SegmenterPreprocess): SegmenterPixels {
  checkImage(img);
  const mode = checkMode(p.resample);
  checkInteger('longestEdge', p.longestEdge, 1);
  checkInteger('padSize', p.padSize, p.longestEdge);
  const scale = p.longestEdge / Math.max(img.width, img.height);
  const w = Math.min(p.longestEdge, scaledSize(img.width, scale));
  const h = Math.min(p.longestEdge, scaledSize(img.height, scale));
  const resized = resize(img, w, h, mode, 'bilinear');
  return {
    data: normalizeToCHW(resized.rgb, w, h, p.padSize, p.padSize, 0, 0, p),
    dims: [1, 3, p.padSize, p.padSize],
    resized: [h, w],
  };
}
