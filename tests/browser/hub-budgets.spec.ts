import { expect, test } from '@playwright/test';
import { NANOLLAVA_REPO, SLIMSAM_REPO } from '../../tools/fixtures/hub-layout.ts';
import { hubMirrorUrl } from './hub-mirror.ts';
import { testImage } from './hub-test-image.ts';
import type { BudgetRun, HubWindow } from './pages/hub.ts';

// Approximate Mask-LLaVA on the nanoLLaVA-layout + SlimSAM-layout fixtures loaded by repo id:
// object tokens from SlimSAM's masks, composed after the projector on the 27x27 feature grid, at
// the budgets the derived presets name. 25 disjoint box prompts give 25 masks that no IoU pruning
// removes, so the paper's splits must come out exactly: 57 = 1+36+20 and 15 = 1+9+5.

/** A 5x5 grid of disjoint boxes over the 320x240 test image (each mask is clipped to its box). */
const BOXES: Array<[number, number, number, number]> = Array.from({ length: 25 }, (_, i) => {
  const [cx, cy] = [(i % 5) * 64, Math.floor(i / 5) * 48];
  return [cx + 4, cy + 4, cx + 60, cy + 44];
});

const expectedSplits: Record<number, BudgetRun['plan']> = {
  // 1 + 26x26 + 25: the balanced policy keeps every mask and fills the square grid that fits.
  729: { cls: 1, grid: [26, 26], objects: 25, total: 702 },
  57: { cls: 1, grid: [6, 6], objects: 20, total: 57 },
  15: { cls: 1, grid: [3, 3], objects: 5, total: 15 },
};

test('nanoLLaVA + SlimSAM fixtures by repo id: budgets 729, 57 and 15 with object tokens plan and feed 1+36+20 and 1+9+5', async ({ page }, info) => {
  test.setTimeout(600_000);
  page.on('pageerror', (err) => console.log('[pageerror]', err.message));
  const device: 'webgpu' | 'wasm' = info.project.name === 'webgpu' ? 'webgpu' : 'wasm';
  await page.goto('/tests/browser/pages/hub.html');
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
  const r = await page.evaluate(
    async ({ vlm, segmenter, host, device, image, boxes }) => {
      const { helpers } = window as unknown as HubWindow;
      const pixels = new ImageData(Uint8ClampedArray.from(image.rgba), image.width, image.height);
      return helpers.budgets({ vlm, segmenter, host, device, dtype: 'fp32' }, pixels, boxes, 'What is in the image?', [729, 57, 15]);
    },
    { vlm: NANOLLAVA_REPO, segmenter: SLIMSAM_REPO, host: hubMirrorUrl(), device, image: testImage(), boxes: BOXES },
  );
  console.log(JSON.stringify({ device: r.device, masks: r.masks, runs: r.runs.map(({ budget, visualTokens }) => ({ budget, visualTokens })) }));

  expect(r.device).toBe(device);
  expect(r.approximate).toBe(true);
  expect(r.grid).toEqual([27, 27]);
  expect(r.masks).toBe(BOXES.length);
  for (const run of r.runs) {
    const want = expectedSplits[run.budget]!;
    expect(run.plan, `budget ${run.budget}`).toEqual(want);
    // What the worker spliced into the prompt is the plan, kind by kind.
    expect(run.visualTokens, `budget ${run.budget}`).toEqual({ cls: want.cls, patch: want.grid[0] * want.grid[1], object: want.objects, total: want.total });
    expect(run.tokenIds.length, `budget ${run.budget}`).toBeGreaterThan(0);
  }
});
