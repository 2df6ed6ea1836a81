import { expect, test } from '@playwright/test';
import { hubMirrorUrl } from './hub-mirror.ts';

// The demo's model picker on the published-layout fixtures, served by the local Hub mirror under
// the real repo ids: the approximate notice, the 27x27 presets, cancel, clear and switching back.
const hubPage = () => `/demo/index.html?pick=nanollava&device=wasm&host=${encodeURIComponent(hubMirrorUrl())}`;

test('picker: nanoLLaVA + SlimSAM by repo id from a mirror, said to be approximate, with the 27x27 presets', async ({ page }) => {
  await page.goto(hubPage());
  await expect(page.locator('#app')).not.toHaveClass(/inactive/, { timeout: 90_000 });
  await expect(page.locator('#model-picker')).toHaveValue('nanollava');
  await expect(page.locator('#approximate')).toBeVisible();
  await expect(page.locator('#approximate')).toContainText('not trained with object tokens');
  await expect(page.locator('#presets button')).toHaveText(['729 (every image token, as transformers.js)', '57 = 1+36+20 (approximate)', '15 = 1+9+5 (approximate)']);
  await page.locator('#presets button').first().click();
  await expect(page.locator('#policy')).toHaveValue('patch-only');
  await expect(page.locator('#cancel-load')).toBeHidden();

  // The files are in the Cache API now; clearing empties the SDK's bucket.
  expect(await page.evaluate(async () => (await caches.keys()).length)).toBeGreaterThan(0);
  await page.click('#clear-cache');
  await expect(page.locator('#cache-status')).toContainText('Cached models cleared');
  expect(await page.evaluate(() => caches.keys())).toEqual([]);

  // Switching to the embedded model reloads the page with ?pick=shapesworld.
  await page.selectOption('#model-picker', 'shapesworld');
  await expect(page).toHaveURL(/pick=shapesworld/);
  await expect(page.locator('#app')).not.toHaveClass(/inactive/, { timeout: 90_000 });
  await expect(page.locator('#approximate')).toBeHidden();
});

test('picker: a download in progress can be cancelled, and says so', async ({ page }) => {
  // Hold the decoder's bytes until the user has cancelled: the download is "large".
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  let reached: () => void = () => undefined;
  const downloading = new Promise<void>((resolve) => (reached = resolve));
  await page.route('**/decoder_model_merged*', async (route) => {
    reached();
    await held;
    await route.continue().catch(() => undefined);
  });
  await page.goto(hubPage());
  await expect(page.locator('#cancel-load')).toBeVisible({ timeout: 60_000 });
  await downloading;
  await page.click('#cancel-load');
  await expect(page.locator('#progress-text')).toContainText('Loading was cancelled', { timeout: 30_000 });
  await expect(page.locator('#cancel-load')).toBeHidden();
  release();
});
