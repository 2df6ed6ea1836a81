/**
 * Decoding what a web app has (File/Blob, URL, <img>, ImageBitmap, ImageData, canvas) to RGBA.
 * Very large images are downscaled by the browser's decoder (createImageBitmap with resize)
 * before any RGBA buffer is allocated in JavaScript.
 */
import { ImageDecodeError } from '../errors.ts';
import { resampleRGB } from './resample.ts';

/** An 8-bit RGBA image, row-major, 4 bytes per pixel (like ImageData, but constructible anywhere). */
export interface RGBAImage {
  width: number;
  height: number;
  /** `width * height * 4` bytes, RGBA, not premultiplied. */
  data: Uint8ClampedArray;
}

/**
 * Anything {@link decodeImage} accepts: an encoded file (Blob/File), a URL string, an image
 * element, a bitmap, pixel data or a canvas. Plain `{width, height, data}` RGBA objects work too
 * (also in node, which has no image decoder).
 */
export type ImageInput = Blob | string | HTMLImageElement | ImageBitmap | ImageData | HTMLCanvasElement | OffscreenCanvas | RGBAImage;

/** Options of {@link decodeImage}. */
export interface DecodeOptions {
  /**
   * Images whose longer side exceeds this are downscaled (keeping aspect ratio) while decoding.
   * @defaultValue 2048
   */
  maxSide?: number;
  /** Aborts fetching and decoding; the promise then rejects with an AbortError DOMException. */
  signal?: AbortSignal;
}

const WHAT_TO_PASS =
  'pass a PNG/JPEG/WebP/GIF/BMP/AVIF File or Blob, an image URL, a loaded <img>, an ImageBitmap, ImageData, a canvas, or {width, height, data} RGBA';

/** Decodes an image to RGBA, downscaling it first when its longer side exceeds `maxSide`. */
export async function decodeImage(input: ImageInput, opts: DecodeOptions = {}): Promise<RGBAImage> {
  const maxSide = opts.maxSide ?? 2048;
  const signal = opts.signal;
  if (!Number.isInteger(maxSide) || maxSide < 1) {
    throw new ImageDecodeError(`maxSide must be an integer >= 1, got ${String(maxSide)}; pass e.g. 2048`);
  }
  signal?.throwIfAborted();

  if (isRGBA(input)) return fromRGBA(input, maxSide);
  if (typeof input === 'string') input = await fetchImage(input, signal);
  if (typeof Blob !== 'undefined' && input instanceof Blob && input.size === 0) {
    throw new ImageDecodeError(`the image file is empty (0 bytes); ${WHAT_TO_PASS}`);
  }
  if (typeof HTMLImageElement !== 'undefined' && input instanceof HTMLImageElement) await loaded(input);
  if (!isBitmapSource(input)) throw new ImageDecodeError(`cannot decode a ${describe(input)}; ${WHAT_TO_PASS}`);
  if (typeof createImageBitmap !== 'function') {
    throw new ImageDecodeError('this environment has no image decoder (createImageBitmap), e.g. node; pass {width, height, data} RGBA pixels instead');
  }

  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(input, { premultiplyAlpha: 'none' });
  } catch (err) {
    const type = input instanceof Blob && input.type ? ` (${input.type})` : '';
    throw new ImageDecodeError(`could not decode the image${type}: corrupt or unsupported data; ${WHAT_TO_PASS}`, {
      cause: String(err),
    });
  }
  signal?.throwIfAborted();
  try {
    const { width, height } = bitmap;
    if (width === 0 || height === 0) throw new ImageDecodeError(`the image has zero size (${width}x${height}); ${WHAT_TO_PASS}`);
    const [w, h] = fitWithin(width, height, maxSide);
    if (w !== width || h !== height) {
      const small = await createImageBitmap(bitmap, { resizeWidth: w, resizeHeight: h, resizeQuality: 'high', premultiplyAlpha: 'none' });
      bitmap.close();
      bitmap = small;
      signal?.throwIfAborted();
    }
    return readPixels(bitmap);
  } finally {
    bitmap.close();
  }
}

/** Target size keeping aspect ratio with the longer side at most `maxSide`. */
function fitWithin(width: number, height: number, maxSide: number): [number, number] {
  const scale = maxSide / Math.max(width, height);
  if (scale >= 1) return [width, height];
  return [Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale))];
}

function isRGBA(input: unknown): input is RGBAImage {
  return (
    typeof input === 'object' &&
    input !== null &&
    'data' in input &&
    (input as RGBAImage).data instanceof Uint8ClampedArray &&
    typeof (input as RGBAImage).width === 'number' &&
    typeof (input as RGBAImage).height === 'number'
  );
}

/** Pixel data as is, or resampled in TypeScript (no decoder needed) when over `maxSide`. */
function fromRGBA(img: RGBAImage, maxSide: number): RGBAImage {
  const { width, height, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || data.length !== width * height * 4) {
    throw new ImageDecodeError(`RGBA image of ${width}x${height} has ${data.length} bytes; pass width*height*4 bytes with width, height >= 1`);
  }
  const [w, h] = fitWithin(width, height, maxSide);
  if (w === width && h === height) return { width, height, data };
  const rgb = resampleRGB(img, { scaledW: w, scaledH: h, left: 0, top: 0, width: w, height: h }, { filter: 'bilinear', antialias: true });
  const out = new Uint8ClampedArray(w * h * 4);
  for (let i = 0, j = 0; i < out.length; i += 4, j += 3) {
    out[i] = rgb[j]!;
    out[i + 1] = rgb[j + 1]!;
    out[i + 2] = rgb[j + 2]!;
    out[i + 3] = 255;
  }
  return { width: w, height: h, data: out };
}

async function fetchImage(url: string, signal: AbortSignal | undefined): Promise<Blob> {
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw new ImageDecodeError(`could not fetch the image at ${url}: ${String(err)}; pass a reachable URL or the File itself`, { url });
  }
  if (!response.ok) {
    throw new ImageDecodeError(`fetching the image at ${url} failed with HTTP ${response.status}; pass a reachable URL or the File itself`, {
      url,
      status: response.status,
    });
  }
  return response.blob();
}

async function loaded(img: HTMLImageElement): Promise<void> {
  try {
    await img.decode();
  } catch {
    throw new ImageDecodeError(`the <img> (src ${img.currentSrc || img.src || 'unset'}) could not be loaded or decoded; ${WHAT_TO_PASS}`);
  }
}

function isBitmapSource(input: unknown): input is ImageBitmapSource {
  const kinds = ['Blob', 'HTMLImageElement', 'ImageBitmap', 'ImageData', 'HTMLCanvasElement', 'OffscreenCanvas', 'VideoFrame'];
  return kinds.some((k) => {
    const ctor = (globalThis as Record<string, unknown>)[k];
    return typeof ctor === 'function' && input instanceof (ctor as new () => unknown);
  });
}

function describe(input: unknown): string {
  if (input === null) return 'null';
  if (typeof input !== 'object') return typeof input;
  return (input as object).constructor?.name ?? 'object';
}

function readPixels(bitmap: ImageBitmap): RGBAImage {
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new ImageDecodeError('could not get a 2D context to read the pixels; run in a browser or a worker with OffscreenCanvas');
  ctx.drawImage(bitmap, 0, 0);
  const { data } = ctx.getImageData(0, 0, width, height);
  return { width, height, data };
}
