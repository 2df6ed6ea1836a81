import { describe, expect, it } from 'vitest';
import { ImageDecodeError } from '../../../src/errors.ts';
import { decodeImage, type ImageInput } from '../../../src/image/decode.ts';

// Node has no image decoder: these cover the pure paths; tests/browser/image-preprocess.spec.ts
// covers decoding files, URLs, elements, bitmaps and canvases in Chromium.
describe('decodeImage without a browser decoder', () => {
  it('passes RGBA pixels through and downscales them past maxSide, keeping aspect ratio', async () => {
    const data = new Uint8ClampedArray(30 * 10 * 4).fill(90);
    const same = await decodeImage({ width: 30, height: 10, data });
    expect(same).toEqual({ width: 30, height: 10, data });
    const small = await decodeImage({ width: 30, height: 10, data }, { maxSide: 12 });
    expect([small.width, small.height]).toEqual([12, 4]);
    expect(small.data.length).toBe(12 * 4 * 4);
    expect(Array.from(small.data.subarray(0, 4))).toEqual([90, 90, 90, 255]);
  });

  it('raises ImageDecodeError saying what to pass for empty, malformed and unsupported input', async () => {
    const cases: ImageInput[] = [
      { width: 0, height: 3, data: new Uint8ClampedArray(0) },
      { width: 2, height: 2, data: new Uint8ClampedArray(15) },
      new Blob([]),
      new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' }), // no createImageBitmap in node
      42 as unknown as ImageInput,
    ];
    for (const input of cases) {
      await expect(decodeImage(input)).rejects.toThrow(ImageDecodeError);
      await expect(decodeImage(input)).rejects.toThrow(/pass /);
    }
    await expect(decodeImage({ width: 1, height: 1, data: new Uint8ClampedArray(4) }, { maxSide: 0 })).rejects.toThrow(ImageDecodeError);
  });

  it('rejects with AbortError when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(decodeImage({ width: 1, height: 1, data: new Uint8ClampedArray(4) }, { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});
