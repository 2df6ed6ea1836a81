import { expect, test } from '@playwright/test';
import { NANOLLAVA_REPO, SLIMSAM_REPO } from '../../tools/fixtures/hub-layout.ts';
import { hubMirrorUrl } from './hub-mirror.ts';
import type { HubWindow } from './pages/hub.ts';

test('a nanoLLaVA-layout repo loads by id from the Hub mirror and answers in plain mode', async ({ page }) => {
  test.setTimeout(300_000);
  page.on('pageerror', (err) => console.log('[pageerror]', err.message));
  await page.goto('/tests/browser/pages/hub.html');
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
  const r = await page.evaluate(
    async ({ vlm, segmenter, host }) => {
      const { helpers } = window as unknown as HubWindow;
      const image = new ImageData(200, 150);
      for (let i = 0; i < image.data.length; i += 4) image.data.set([i % 251, (i >> 8) % 253, 90, 255], i);
      return helpers.plain({ vlm, segmenter, host, device: 'wasm', dtype: 'fp32' }, 'What is in the image?', 16, image);
    },
    { vlm: NANOLLAVA_REPO, segmenter: SLIMSAM_REPO, host: hubMirrorUrl() },
  );
  console.log(JSON.stringify(r));
  expect(r.visualTokens).toBe(729);
  expect(r.tokenIds.length).toBeGreaterThan(0);
});
