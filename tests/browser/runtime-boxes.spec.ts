import { expect, test } from '@playwright/test';
import type { BitMask } from '../../src/index.ts';
import type { RuntimeWindow } from './pages/runtime.ts';
import { PERMISSIVE_AMG, deviceOf, openRuntimePage } from './runtime-page.ts';

// encode({ boxes }) prompts the segmenter with each box's centre. Automatic mask generation with a
// 2x2 grid prompts the same image at four known points, so boxes centred on two of those points
// must give one of those points' candidate masks (same predicted IoU), clipped to the box. Boxes
// that were ignored, or centres scaled into the wrong frame, give other masks and scores.

/** The scene is 320 x 240; the 2x2 AMG grid's points sit at x in {80, 240}, y in {60, 180}. */
const BOXES: Array<[number, number, number, number]> = [
  [50, 20, 110, 100],
  [210, 150, 270, 210],
];
/** Keeps every non-empty candidate of every grid point: no score, stability or NMS filtering. */
const GRID_AMG = { ...PERMISSIVE_AMG, pointsPerSide: 2, minAreaFraction: 0, nmsThreshold: 1 };

test('box prompts give the centre point prompt mask clipped to the box, in box order', async ({ page }, info) => {
  test.setTimeout(300_000);
  await openRuntimePage(page);
  const r = await page.evaluate(
    async ({ boxes, amg, device }) => {
      const { sdk, helpers } = window as unknown as RuntimeWindow;
      const vlm = await sdk.MaskLlava.load(helpers.fixtureUrl, { device });
      const image = helpers.scene();
      const dense = (m: BitMask) => ({ size: m.size, score: m.score, area: m.area, pixels: Array.from(sdk.maskToDense(m)) });
      const boxed = await vlm.encode(image, { boxes });
      const grid = await vlm.encode(image, { amg });
      const invalid = await vlm.encode(image, { boxes: [[100, 20, 50, 100]] }).then(
        () => 'resolved',
        (err: Error) => err.name,
      );
      await vlm.dispose();
      return { frame: boxed.frame, boxed: boxed.masks.map(dense), grid: grid.masks.map(dense), invalid };
    },
    { boxes: BOXES, amg: GRID_AMG, device: deviceOf(info.project.name) },
  );

  expect(r.invalid).toBe('InvalidArgumentError');
  expect(r.boxed).toHaveLength(BOXES.length);
  const [fx0, fy0, fx1, fy1] = r.frame;
  for (const [i, box] of BOXES.entries()) {
    const mask = r.boxed[i]!;
    const m = mask.size;
    // The box in mask pixels of the encoder frame.
    const bx0 = ((box[0] - fx0) / (fx1 - fx0)) * m;
    const by0 = ((box[1] - fy0) / (fy1 - fy0)) * m;
    const bx1 = ((box[2] - fx0) / (fx1 - fx0)) * m;
    const by1 = ((box[3] - fy0) / (fy1 - fy0)) * m;
    expect(mask.area).toBeGreaterThan(0);

    // The same prompt through AMG: the candidate with this box mask's predicted IoU.
    const source = r.grid.find((g) => Math.abs(g.score - mask.score) < 1e-4);
    expect(source, `box ${i}: no grid-point candidate has score ${mask.score}`).toBeDefined();

    let interior = 0;
    let mismatched = 0;
    for (let y = 0; y < m; y++) {
      for (let x = 0; x < m; x++) {
        const p = mask.pixels[y * m + x]!;
        // Nothing outside the box (a pixel of slack for the resampling).
        if (x + 1 < bx0 || x > bx1 || y + 1 < by0 || y > by1) expect(p, `box ${i}: pixel (${x}, ${y}) outside the box`).toBe(0);
        // Two pixels away from the box's edges the clip does not reach: the unclipped mask shows.
        if (x >= bx0 + 2 && x + 1 <= bx1 - 2 && y >= by0 + 2 && y + 1 <= by1 - 2) {
          interior += source!.pixels[y * m + x]!;
          if (p !== source!.pixels[y * m + x]) mismatched++;
        }
      }
    }
    expect(interior, `box ${i}: the centre prompt's mask is empty inside the box`).toBeGreaterThan(0);
    expect(mismatched).toBe(0);
  }
});
