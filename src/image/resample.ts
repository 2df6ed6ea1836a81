/**
 * Separable image resampling in plain TypeScript (no canvas), so preprocessing runs the same on
 * the main thread, in workers and in node. Convolution resampling as Pillow does it: output pixel
 * `i` is centred on source coordinate `(i + 0.5) * scale`; with `antialias` the filter is widened
 * by the downscale factor (area-aware), without it the filter samples the source directly (what a
 * canvas `drawImage` does at the default smoothing quality). Results stay float, unquantised.
 */
import type { RGBAImage } from './decode.ts';

/** Interpolation filter: 'bilinear' (triangle) or 'bicubic' (Keys, a = -0.5, like Pillow). */
export type ResampleFilter = 'bilinear' | 'bicubic';

/** How to resample. */
export interface ResampleOptions {
  /** @defaultValue 'bicubic' */
  filter?: ResampleFilter;
  /** Widen the filter when downscaling (Pillow) instead of point-sampling (canvas). @defaultValue true */
  antialias?: boolean;
}

/**
 * A window of a virtual resize: the source scaled to `scaledW x scaledH`, of which the
 * `width x height` pixels starting at `(left, top)` (integers, may lie partly outside) are wanted.
 */
export interface ResampleWindow {
  scaledW: number;
  scaledH: number;
  left: number;
  top: number;
  width: number;
  height: number;
}

interface Taps {
  /** First source index of each output index. */
  start: Int32Array;
  /** Number of taps of each output index (0 outside the scaled image). */
  count: Int32Array;
  /** Weights, `maxTaps` per output index. */
  weights: Float64Array;
  maxTaps: number;
}

const FILTERS: Record<ResampleFilter, { support: number; kernel: (x: number) => number }> = {
  bilinear: {
    support: 1,
    kernel: (x) => {
      x = Math.abs(x);
      return x < 1 ? 1 - x : 0;
    },
  },
  bicubic: {
    support: 2,
    kernel: (x) => {
      const a = -0.5;
      x = Math.abs(x);
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  },
};

/** Normalised filter taps mapping `outSize` outputs (offset by `first`) onto `inSize` inputs. */
function computeTaps(inSize: number, scaledSize: number, first: number, outSize: number, filter: ResampleFilter, antialias: boolean): Taps {
  const { support, kernel } = FILTERS[filter];
  const scale = inSize / scaledSize;
  const widen = antialias ? Math.max(scale, 1) : 1;
  const reach = support * widen;
  const maxTaps = Math.ceil(reach) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * maxTaps);
  for (let o = 0; o < outSize; o++) {
    const i = o + first;
    if (i < 0 || i >= scaledSize) continue; // outside the scaled image: left as zero
    const centre = (i + 0.5) * scale;
    const lo = Math.max(Math.trunc(centre - reach + 0.5), 0);
    const hi = Math.min(Math.trunc(centre + reach + 0.5), inSize);
    let total = 0;
    const base = o * maxTaps;
    for (let s = lo; s < hi; s++) {
      const w = kernel((s - centre + 0.5) / widen);
      weights[base + s - lo] = w;
      total += w;
    }
    if (total !== 0) for (let k = 0; k < hi - lo; k++) weights[base + k]! /= total;
    start[o] = lo;
    count[o] = hi - lo;
  }
  return { start, count, weights, maxTaps };
}

/**
 * Resamples the RGB channels of `img` into a `window.width x window.height` float RGB array
 * (HWC, values on the 0..255 scale). Pixels of the window outside the scaled image are 0.
 */
export function resampleRGB(img: RGBAImage, window: ResampleWindow, opts: ResampleOptions = {}): Float32Array {
  const filter = opts.filter ?? 'bicubic';
  const antialias = opts.antialias ?? true;
  const { width: outW, height: outH } = window;
  const xt = computeTaps(img.width, window.scaledW, window.left, outW, filter, antialias);
  const yt = computeTaps(img.height, window.scaledH, window.top, outH, filter, antialias);

  // Horizontal pass over only the source rows the vertical taps read.
  let rowLo = img.height;
  let rowHi = 0;
  for (let o = 0; o < outH; o++) {
    if (yt.count[o] === 0) continue;
    rowLo = Math.min(rowLo, yt.start[o]!);
    rowHi = Math.max(rowHi, yt.start[o]! + yt.count[o]!);
  }
  const src = img.data;
  const rows = Math.max(rowHi - rowLo, 0);
  const tmp = new Float32Array(rows * outW * 3);
  for (let r = 0; r < rows; r++) {
    const srcRow = (r + rowLo) * img.width * 4;
    for (let o = 0; o < outW; o++) {
      const n = xt.count[o]!;
      const wBase = o * xt.maxTaps;
      let p = srcRow + xt.start[o]! * 4;
      let cr = 0;
      let cg = 0;
      let cb = 0;
      for (let k = 0; k < n; k++, p += 4) {
        const w = xt.weights[wBase + k]!;
        cr += w * src[p]!;
        cg += w * src[p + 1]!;
        cb += w * src[p + 2]!;
      }
      const t = (r * outW + o) * 3;
      tmp[t] = cr;
      tmp[t + 1] = cg;
      tmp[t + 2] = cb;
    }
  }

  const out = new Float32Array(outW * outH * 3);
  const rowLen = outW * 3;
  for (let o = 0; o < outH; o++) {
    const n = yt.count[o]!;
    const wBase = o * yt.maxTaps;
    const first = (yt.start[o]! - rowLo) * rowLen;
    const dst = o * rowLen;
    for (let k = 0; k < n; k++) {
      const w = yt.weights[wBase + k]!;
      const from = first + k * rowLen;
      for (let c = 0; c < rowLen; c++) out[dst + c]! += w * tmp[from + c]!;
    }
  }
  return out;
}

/** Chromium's canvas (Skia's legacy bitmap sampler) weighs bilinear taps in 1/16 pixel. */
const CANVAS_SUBPIXEL = 16;
/** Skia's sampler maps x in spans of this many pixels (a 128-word buffer, 2 words per bilinear pair). */
const CANVAS_SPAN = 127;
const FIXED_ONE = 65536; // 16.16
const FRACTIONAL_ONE = 2 ** 32; // 32.32

/**
 * Resizes the RGB channels of `img` to `width x height` the way a 2D canvas `drawImage` does at
 * the default smoothing quality in Chromium, which is how transformers.js resizes in browsers.
 * It reproduces Skia's legacy bilinear sampler: float32 inverse scale, fixed-point positions
 * mapped per 127-pixel span, edges clamped, 1/16-pixel weights, 8-bit truncation, no
 * antialiasing (checked against the browser in tests/browser/image-preprocess.spec.ts).
 * Returns HWC float RGB holding integer values.
 */
export function canvasResampleRGB(img: RGBAImage, width: number, height: number): Float32Array {
  const xs = canvasTaps(img.width, width, CANVAS_SPAN);
  const ys = canvasTaps(img.height, height, 1);
  const src = img.data;
  const out = new Float32Array(width * height * 3);
  const one = CANVAS_SUBPIXEL;
  for (let y = 0; y < height; y++) {
    const fy = ys.frac[y]!;
    const rowA = ys.lo[y]! * img.width;
    const rowB = ys.hi[y]! * img.width;
    for (let x = 0; x < width; x++) {
      const fx = xs.frac[x]!;
      const a = (rowA + xs.lo[x]!) * 4;
      const b = (rowA + xs.hi[x]!) * 4;
      const c = (rowB + xs.lo[x]!) * 4;
      const d = (rowB + xs.hi[x]!) * 4;
      const o = (y * width + x) * 3;
      for (let k = 0; k < 3; k++) {
        const left = src[a + k]! * (one - fy) + src[c + k]! * fy;
        const right = src[b + k]! * (one - fy) + src[d + k]! * fy;
        out[o + k] = Math.floor((left * (one - fx) + right * fx) / (one * one));
      }
    }
  }
  return out;
}

/**
 * Source pixel pair and 1/16 fraction for each output index along one axis, as Skia computes
 * them: each span's first position is mapped in float32, converted to 32.32 fixed point and
 * stepped by the 32.32 inverse scale, then truncated to 16.16.
 */
function canvasTaps(inSize: number, outSize: number, span: number): { lo: Int32Array; hi: Int32Array; frac: Int32Array } {
  const f32 = Math.fround;
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Int32Array(outSize);
  const inv = f32(1 / f32(outSize / inSize));
  const dx = Math.trunc(inv * FRACTIONAL_ONE);
  const max = inSize - 1;
  for (let first = 0; first < outSize; first += span) {
    const count = Math.min(span, outSize - first);
    const fx = Math.trunc(f32(f32(first + 0.5) * inv) * FRACTIONAL_ONE) - FRACTIONAL_ONE / 2;
    for (let i = 0; i < count; i++) {
      const f = Math.floor((fx + i * dx) / FIXED_ONE); // 32.32 -> 16.16
      const o = first + i;
      lo[o] = Math.min(Math.max(Math.floor(f / FIXED_ONE), 0), max);
      hi[o] = Math.min(Math.max(Math.floor((f + FIXED_ONE) / FIXED_ONE), 0), max);
      frac[o] = Math.floor(f / 4096) & 15;
    }
  }
  return { lo, hi, frac };
}
