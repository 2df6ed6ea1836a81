import { expect, test } from '@playwright/test';
import type { MaskLlava, MaskLlavaError } from '../../src/index.ts';
import type { RuntimeWindow } from './pages/runtime.ts';
import { PERMISSIVE_AMG, openRuntimePage } from './runtime-page.ts';

// WebGPU project only (playwright.config.ts): the WASM project has no GPU device to lose.
test('a WebGPU device lost mid-generate fails the call with a typed error; the next call recovers on a new device, reported', async ({ page }) => {
  test.setTimeout(600_000);
  // The test hook: keep every GPUDevice the inference worker creates, so the test can destroy it
  // (as a driver reset would). Installed as the worker starts, long before ORT asks for a device.
  page.on('worker', (worker) => {
    if (!worker.url().includes('worker/entry')) return;
    void worker.evaluate(() => {
      type Device = { destroy(): void };
      const proto = (self as unknown as { GPUAdapter: { prototype: { requestDevice(...args: unknown[]): Promise<Device> } } }).GPUAdapter.prototype;
      const devices: Device[] = [];
      const request = proto.requestDevice;
      proto.requestDevice = async function (this: unknown, ...args: unknown[]) {
        const device = await request.apply(this, args);
        devices.push(device);
        return device;
      };
      Object.assign(self, { loseGpuDevice: () => devices.forEach((d) => d.destroy()) });
    });
  });
  await openRuntimePage(page);
  await page.evaluate(async (amg) => {
    const w = window as unknown as RuntimeWindow & { vlm: unknown; img: unknown; answer: unknown };
    const vlm = await w.sdk.MaskLlava.load(w.helpers.fixtureUrl, { device: 'webgpu' });
    const img = await vlm.encode(w.helpers.scene(), { amg });
    const answer = vlm.generate(img, 'Describe the picture.', { plan: img.plan({ budget: 15 }), maxNewTokens: 1000 });
    const deltas = answer[Symbol.asyncIterator]();
    await deltas.next(); // decoding has started
    Object.assign(w, { vlm, img, answer: (async () => {
      while (!(await deltas.next()).done);
    })().then(
      () => 'finished',
      (err: unknown) => ({ name: (err as Error).name, isClass: err instanceof w.sdk.WorkerCrashedError, code: (err as MaskLlavaError).code, message: (err as Error).message }),
    ) });
  }, { ...PERMISSIVE_AMG, pointsPerSide: 1 });
  const inference = page.workers().find((w) => w.url().includes('worker/entry'))!;
  await inference.evaluate(() => (self as unknown as { loseGpuDevice(): void }).loseGpuDevice());
  const r = await page.evaluate(async (amg) => {
    const w = window as unknown as RuntimeWindow & { vlm: MaskLlava; answer: Promise<unknown> };
    const failed = await w.answer;
    // The next call starts a new worker with a new device and answers.
    const img = await w.vlm.encode(w.helpers.scene(), { amg });
    const text = await w.vlm.generate(img, 'How many circles?', { plan: img.plan({ budget: 15 }), maxNewTokens: 2 }).text;
    const after = { device: w.vlm.device, reason: w.vlm.deviceReason, answered: typeof text === 'string' };
    await w.vlm.dispose();
    return { failed, after };
  }, { ...PERMISSIVE_AMG, pointsPerSide: 1 });
  expect(r.failed).toMatchObject({ isClass: true, code: 'WORKER_CRASHED' });
  expect((r.failed as { message: string }).message).toContain('WebGPU device was lost');
  expect(r.after).toMatchObject({ device: 'webgpu', answered: true });
  expect(r.after.reason).toContain('WebGPU adapter');
});
