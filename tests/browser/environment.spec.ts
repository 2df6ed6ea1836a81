import { expect, test } from '@playwright/test';

// The two projects differ only in the WebGPU flag; every other browser test relies on that.
test('WebGPU adapter is present exactly in the webgpu project, and the page is cross-origin isolated', async ({ page }, info) => {
  await page.goto('/tests/browser/pages/blank.html');
  const env = await page.evaluate(async () => {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    const adapter = gpu ? await gpu.requestAdapter() : null;
    return { adapter: adapter !== null, isolated: self.crossOriginIsolated };
  });
  expect(env.isolated).toBe(true);
  expect(env.adapter).toBe(info.project.name === 'webgpu');
});
