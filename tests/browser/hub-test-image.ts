/** The RGBA test image the published-repo browser tests feed both transformers.js and the SDK. */

/** A 320x240 image as plain RGBA numbers (serialisable into page.evaluate). */
export interface TestImage {
  rgba: number[];
  width: number;
  height: number;
}

/** A 320x240 RGBA test image: a disc and a bar over gradients; `variant` moves them. */
export function testImage(variant = 0): TestImage {
  const [width, height] = [320, 240];
  const rgba = new Array<number>(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const disc = (x - 100 - 60 * variant) ** 2 + (y - 120) ** 2 < 50 ** 2;
      const bar = x > 200 - 120 * variant && x < 260 - 120 * variant && y > 30 && y < 90;
      rgba[i] = disc ? 230 : bar ? 20 : Math.round((255 * x) / width);
      rgba[i + 1] = disc ? 40 : bar ? 200 : Math.round((255 * y) / height);
      rgba[i + 2] = bar ? 240 : 90;
      rgba[i + 3] = 255;
    }
  }
  return { rgba, width, height };
}
