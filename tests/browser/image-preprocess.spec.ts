import { expect, test } from '@playwright/test';

interface Diff {
  max: number;
  mean: number;
  oursDims: number[];
  theirsDims: number[];
}

type Outcome = { ok: boolean; name?: string; message?: string; width?: number; height?: number; pixels?: number[] };

/** What tests/browser/pages/image-preprocess.ts puts on window. */
interface PageApi {
  compareEncoder(w: number, h: number, resample: 'canvas' | 'pillow'): Promise<Diff>;
  compareSegmenter(w: number, h: number): Promise<Diff & { ours: number[]; theirs: number[] }>;
  decodeCases(): Promise<Record<string, Outcome>>;
}

test.beforeEach(async ({ page }) => {
  await page.goto('/tests/browser/pages/image-preprocess.html');
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
});

// Upscale, downscale, odd crop offsets (401 -> 449 wide: transformers.js crops at x = 56.5) and
// tall images; every one goes through resize + crop in both implementations.
const sizes: Array<[number, number]> = [
  [200, 150],
  [401, 299],
  [1024, 768],
  [77, 1999],
];

test('preprocessForEncoder matches transformers.js CLIPImageProcessor (max abs diff < 1e-2)', async ({ page }) => {
  for (const [w, h] of sizes) {
    const canvas = await page.evaluate(([w, h]) => (window as unknown as PageApi).compareEncoder(w, h, 'canvas'), [w, h] as const);
    const pillow = await page.evaluate(([w, h]) => (window as unknown as PageApi).compareEncoder(w, h, 'pillow'), [w, h] as const);
    console.log(
      `encoder ${w}x${h} -> 336x336: max abs diff ${canvas.max.toExponential(2)} (mean ${canvas.mean.toExponential(2)}) with resample 'canvas'; ` +
        `${pillow.max.toFixed(3)} (mean ${pillow.mean.toExponential(2)}) with 'pillow' (Python's filter, for reference)`,
    );
    expect(canvas.oursDims).toEqual(canvas.theirsDims);
    expect(canvas.max).toBeLessThan(1e-2);
  }
});

test('preprocessForSegmenter matches transformers.js SamImageProcessor (max abs diff < 1e-2)', async ({ page }) => {
  for (const [w, h] of sizes) {
    const r = await page.evaluate(([w, h]) => (window as unknown as PageApi).compareSegmenter(w, h), [w, h] as const);
    console.log(`segmenter ${w}x${h} -> 1024 padded: max abs diff ${r.max.toExponential(2)}, resized ${r.ours.join('x')}`);
    expect(r.oursDims).toEqual(r.theirsDims);
    expect(r.ours).toEqual(r.theirs);
    expect(r.max).toBeLessThan(1e-2);
  }
});

test('decodeImage reads every input kind, downscales huge images, and rejects bad input with ImageDecodeError', async ({ page }) => {
  const r = await page.evaluate(() => (window as unknown as PageApi).decodeCases());
  const red = [255, 0, 0, 255];
  const blue = [0, 0, 255, 255];
  for (const kind of ['pngBlob', 'url', 'imgElement', 'bitmap', 'imageData', 'offscreenCanvas', 'htmlCanvas']) {
    expect(r[kind], kind).toEqual({ ok: true, width: 40, height: 30, pixels: [...red, ...blue] });
  }
  expect(r.huge).toMatchObject({ ok: true, width: 2048, height: 512 });
  expect(r.hugeSmallMax).toMatchObject({ ok: true, width: 20, height: 15 });
  for (const kind of ['corrupt', 'empty', 'text', 'missingUrl', 'wrongType']) {
    expect(r[kind], kind).toMatchObject({ ok: false, name: 'ImageDecodeError' });
    expect(r[kind]?.message, kind).toMatch(/pass /);
  }
  expect(r.aborted).toMatchObject({ ok: false, name: 'AbortError' });
});
