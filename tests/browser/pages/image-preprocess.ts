/**
 * Test page: our preprocessing vs transformers.js's image processors on the same pixels, and
 * decodeImage on what a web app has. Everything runs in the page; the spec reads plain results.
 */
import { CLIPImageProcessor, RawImage, SamImageProcessor, env } from '@huggingface/transformers';
import { decodeImage, type ImageInput } from '../../../src/image/decode.ts';
import { preprocessForEncoder, preprocessForSegmenter } from '../../../src/image/preprocess.ts';
import type { ResampleMode } from '../../../src/models/manifest.ts';
import { CLIP_MEAN, CLIP_STD, clipPreprocessorConfig, SAM_MEAN, SAM_STD } from '../../../tools/fixtures/preprocessor-config.ts';

env.allowRemoteModels = false;
env.allowLocalModels = false;

/** A synthetic test image: hard-edged shapes over smooth gradients and a fine stripe pattern. */
function synthetic(width: number, height: number): Uint8ClampedArray {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const disc = (x - width * 0.4) ** 2 + (y - height * 0.5) ** 2 < (Math.min(width, height) * 0.25) ** 2;
      data[i] = disc ? 220 : 128 + 100 * Math.sin(x / 17);
      data[i + 1] = x % 6 < 2 ? 250 : 128 + 100 * Math.cos(y / 23);
      data[i + 2] = x > width * 0.7 && y < height * 0.3 ? 30 : (x * 255) / width;
      data[i + 3] = 255;
    }
  }
  return data;
}

function compare(ours: Float32Array, theirs: Float32Array, oursDims: number[], theirsDims: number[]) {
  let max = 0;
  let sum = 0;
  for (let i = 0; i < Math.min(ours.length, theirs.length); i++) {
    const d = Math.abs(ours[i]! - theirs[i]!);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / ours.length, oursDims, theirsDims };
}

/** CLIPImageProcessor (LLaVA-1.5's: shortest edge 336, bicubic, center crop 336) vs preprocessForEncoder. */
async function compareEncoder(width: number, height: number, resample: ResampleMode) {
  const data = synthetic(width, height);
  const processor = new CLIPImageProcessor(clipPreprocessorConfig(336));
  const theirs = (await processor(new RawImage(data, width, height, 4))).pixel_values;
  const ours = preprocessForEncoder(
    { width, height, data },
    { shortestEdge: 336, cropSize: [336, 336], mode: 'crop', rescaleFactor: 1 / 255, mean: CLIP_MEAN, std: CLIP_STD, resample },
  );
  return compare(ours.data, theirs.data as Float32Array, ours.dims, theirs.dims);
}

/** SamImageProcessor (SlimSAM's: longest edge 1024, pad to 1024 after normalising) vs preprocessForSegmenter. */
async function compareSegmenter(width: number, height: number) {
  const data = synthetic(width, height);
  const config = {
    do_resize: true,
    size: { longest_edge: 1024 },
    resample: 2,
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: SAM_MEAN,
    image_std: SAM_STD,
    do_pad: true,
    pad_size: { height: 1024, width: 1024 },
    do_convert_rgb: true,
  };
  const processor = new SamImageProcessor(config);
  const theirs = await processor(new RawImage(data, width, height, 4));
  const ours = preprocessForSegmenter(
    { width, height, data },
    { longestEdge: 1024, padSize: 1024, rescaleFactor: 1 / 255, mean: SAM_MEAN, std: SAM_STD },
  );
  const pixels = theirs.pixel_values;
  return { ...compare(ours.data, pixels.data as Float32Array, ours.dims, pixels.dims), ours: ours.resized, theirs: theirs.reshaped_input_sizes[0] };
}

type Outcome = { ok: true; width: number; height: number; pixels: number[] } | { ok: false; name: string; message: string };

async function attempt(input: () => ImageInput | Promise<ImageInput>, opts: { maxSide?: number; abort?: boolean } = {}): Promise<Outcome> {
  try {
    const controller = new AbortController();
    if (opts.abort) controller.abort();
    const img = await decodeImage(await input(), { maxSide: opts.maxSide, signal: controller.signal });
    // A few probe pixels: top-left and centre RGBA.
    const c = ((img.height >> 1) * img.width + (img.width >> 1)) * 4;
    return { ok: true, width: img.width, height: img.height, pixels: [...img.data.subarray(0, 4), ...img.data.subarray(c, c + 4)] };
  } catch (err) {
    return { ok: false, name: (err as Error).name, message: (err as Error).message };
  }
}

/** A two-colour canvas: left half red, right half blue. */
function canvas(width: number, height: number): OffscreenCanvas {
  const c = new OffscreenCanvas(width, height);
  const ctx = c.getContext('2d')!;
  ctx.fillStyle = 'rgb(255, 0, 0)';
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = 'rgb(0, 0, 255)';
  ctx.fillRect(width >> 1, 0, width - (width >> 1), height);
  return c;
}

async function decodeCases() {
  const png = await canvas(40, 30).convertToBlob({ type: 'image/png' });
  const url = URL.createObjectURL(png);
  const element = new Image();
  element.src = url;
  const corrupt = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4, 5, 6, 7, 8])], { type: 'image/png' });
  const results = {
    pngBlob: await attempt(() => png),
    url: await attempt(() => url),
    imgElement: await attempt(() => element),
    bitmap: await attempt(() => createImageBitmap(png)),
    imageData: await attempt(() => canvas(40, 30).getContext('2d')!.getImageData(0, 0, 40, 30)),
    offscreenCanvas: await attempt(() => canvas(40, 30)),
    htmlCanvas: await attempt(() => {
      const c = document.createElement('canvas');
      c.width = 40;
      c.height = 30;
      c.getContext('2d')!.drawImage(canvas(40, 30), 0, 0);
      return c;
    }),
    huge: await attempt(() => canvas(6000, 1500).convertToBlob({ type: 'image/png' })),
    hugeSmallMax: await attempt(() => png, { maxSide: 20 }),
    corrupt: await attempt(() => corrupt),
    empty: await attempt(() => new Blob([], { type: 'image/png' })),
    text: await attempt(() => new Blob(['not an image'], { type: 'text/plain' })),
    missingUrl: await attempt(() => '/tests/browser/pages/no-such-image.png'),
    wrongType: await attempt(() => 42 as unknown as ImageInput),
    aborted: await attempt(() => png, { abort: true }),
  };
  URL.revokeObjectURL(url);
  return results;
}

Object.assign(window, { compareEncoder, compareSegmenter, decodeCases });
(window as unknown as { ready: boolean }).ready = true;
