import { expect, test } from '@playwright/test';
import type { RuntimeWindow } from './pages/runtime.ts';
import { PERMISSIVE_AMG, openRuntimePage } from './runtime-page.ts';

/** Largest |webgpu - wasm| next-token logit allowed: fp32 on both, different kernels and summation orders. */
const LOGIT_TOLERANCE = 2e-3;

// One test for both projects: what is checked depends on whether the browser has an adapter
// (the wasm project has none, so only the fallback and the typed refusal can be checked there).
test('device choice is reported; auto passes over a software adapter; WebGPU and WASM next-token logits agree where both run', async ({ page }, info) => {
  test.setTimeout(360_000);
  await openRuntimePage(page);
  const r = await page.evaluate(
    async ({ amg, hasAdapter }) => {
      const { sdk, helpers } = window as unknown as RuntimeWindow;
      const auto = await sdk.MaskLlava.load(helpers.fixtureUrl, { device: 'auto' });
      const autoDevice = { device: auto.device, reason: auto.deviceReason };
      await auto.dispose();
      if (!hasAdapter) {
        const refused = await sdk.MaskLlava.load(helpers.fixtureUrl, { device: 'webgpu' }).then(
          () => null,
          (err: unknown) => ({ isClass: err instanceof sdk.NoWebGPUError, code: (err as InstanceType<typeof sdk.MaskLlavaError>).code, message: (err as Error).message }),
        );
        return { autoDevice, refused, comparisons: [] };
      }
      // The only adapter here is SwiftShader: 'auto' passes it over, 'webgpu' takes it.
      const gpu = await sdk.MaskLlava.load(helpers.fixtureUrl, { device: 'webgpu' });
      const gpuDevice = { device: gpu.device, reason: gpu.deviceReason };
      const wasm = await sdk.MaskLlava.load(helpers.fixtureUrl, { device: 'wasm' });
      const image = helpers.scene();
      const onGpu = await gpu.encode(image, { amg });
      const onCpu = await wasm.encode(image, { amg });
      const question = 'Is there a red circle?';
      // The full Mask-LLaVA mix (CLS, pooled patches, objects; plain LLaVA is the oracle test's),
      // the same plan on both; each device pools its own masks, compared by IoU below.
      const plan = onCpu.plan({ budget: 57 });
      const a = await gpu.nextTokenLogits(onGpu, question, { plan });
      const b = await wasm.nextTokenLogits(onCpu, question, { plan });
      let maxDiff = 0;
      let maxAbs = 0;
      for (let i = 0; i < a.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
        maxAbs = Math.max(maxAbs, Math.abs(b[i]!));
      }
      const argmax = (x: Float32Array) => x.indexOf(Math.max(...x));
      const comparisons = [{ total: plan.total, objects: plan.objects, length: a.length, maxDiff, maxAbs, sameArgmax: argmax(a) === argmax(b) }];
      const maskIoUs = onCpu.masks.map((m, i) => (onGpu.masks[i] ? sdk.maskIoU(m, onGpu.masks[i]) : 0));
      const maskCounts = [onGpu.masks.length, onCpu.masks.length];
      await gpu.dispose();
      await wasm.dispose();
      return { autoDevice, gpuDevice, refused: null, comparisons, maskIoUs, maskCounts, wasmDevice: wasm.device };
    },
    { amg: { ...PERMISSIVE_AMG, pointsPerSide: 1 }, hasAdapter: info.project.name === 'webgpu' },
  );
  if (info.project.name === 'wasm') {
    expect(r.autoDevice.device).toBe('wasm');
    expect(r.autoDevice.reason).toContain('requestAdapter() returned null');
    expect(r.refused).toMatchObject({ isClass: true, code: 'NO_WEBGPU' });
    expect(r.refused!.message).toContain("device: 'auto'");
    return;
  }
  expect(r.autoDevice.device).toBe('wasm');
  expect(r.autoDevice.reason).toContain('(google swiftshader) is a software fallback');
  expect(r.autoDevice.reason).toContain("pass device: 'webgpu' to use it anyway");
  expect(r.gpuDevice).toEqual({ device: 'webgpu', reason: "WebGPU adapter: google swiftshader (without shader-f16) (a software fallback adapter, requested with device: 'webgpu')" });
  expect(r.wasmDevice).toBe('wasm');
  expect(r.maskCounts![0]).toBe(r.maskCounts![1]);
  expect(Math.min(...r.maskIoUs!)).toBeGreaterThan(0.9);
  for (const c of r.comparisons) {
    expect(c.length).toBe(384);
    expect(c.maxDiff).toBeLessThan(LOGIT_TOLERANCE);
    expect(c.sameArgmax).toBe(true);
  }
  console.log(
    `[webgpu vs wasm] next-token logits: ${r.comparisons.map((c) => `${c.total} tokens (${c.objects} objects): max |diff| ${c.maxDiff.toExponential(2)} (max |logit| ${c.maxAbs.toFixed(2)})`).join('; ')}; ` +
      `mask IoU webgpu vs wasm: min ${Math.min(...r.maskIoUs!).toFixed(3)} over ${r.maskIoUs!.length} masks`,
  );
});

// WebGPU needs ORT's asyncify build; WASM runs the plain one, half the wasm and ~2x sooner to a
// first answer from a cold start (src/worker/backend.ts). Each load must fetch its device's build only.
test('each device loads its own ORT build: the plain wasm on WASM, the asyncify wasm on WebGPU', async ({ page }, info) => {
  test.setTimeout(120_000);
  await openRuntimePage(page);
  const fetched: string[] = [];
  page.context().on('request', (req) => {
    // The dev server answers the worker's `?url` imports with modules: those are not the wasm.
    const url = new URL(req.url());
    const file = /ort-wasm-simd-threaded[^/]*\.wasm$/.exec(url.pathname)?.[0];
    if (file && !url.searchParams.has('url')) fetched.push(file);
  });
  const devices = info.project.name === 'webgpu' ? (['wasm', 'webgpu'] as const) : (['wasm'] as const);
  for (const device of devices) {
    fetched.length = 0;
    const loaded = await page.evaluate(async (d) => {
      const { sdk, helpers } = window as unknown as RuntimeWindow;
      const vlm = await sdk.MaskLlava.load(helpers.fixtureUrl, { device: d });
      const got = vlm.device;
      await vlm.dispose();
      return got;
    }, device);
    expect(loaded).toBe(device);
    expect(fetched).toEqual([device === 'wasm' ? 'ort-wasm-simd-threaded.wasm' : 'ort-wasm-simd-threaded.asyncify.wasm']);
  }
});
