import { expect, type Page, test } from '@playwright/test';
import { HUB_SIZES } from '../../tools/fixtures/hub.ts';
import { FIXTURE_DTYPES, type FixtureDtype, NANOLLAVA_EXTERNAL_DATA_REPO, NANOLLAVA_FP16_F32IO_REPO, NANOLLAVA_IMAGE_TOKENS, NANOLLAVA_REPO, SLIMSAM_DTYPES, SLIMSAM_REPO } from '../../tools/fixtures/hub-layout.ts';
import { hubMirrorUrl } from './hub-mirror.ts';
import { testImage } from './hub-test-image.ts';
import type { GenerateRequest, GenerateResult, Oracle, OracleImage, SegmentRequest, SegmentResult } from './pages/tjs-oracle.ts';

// transformers.js 4.3.1 loading the Hub-layout fixtures by repo id from the local mirror: the
// oracle the SDK's published-repo path is compared against (tests/browser/pages/tjs-oracle.ts).

type Device = 'wasm' | 'webgpu';
const deviceOf = (projectName: string): Device => (projectName === 'webgpu' ? 'webgpu' : 'wasm');

/**
 * How transformers.js fails per dtype on SwiftShader's adapter (no shader-f16), as measured: it
 * refuses fp16 itself; q4f16 loads and then ORT's WebGPU kernels refuse float16 at the first run.
 */
const WEBGPU_REFUSES: Partial<Record<FixtureDtype, RegExp>> = { fp16: /does not support fp16/, q4f16: /requires f16 but the device does not support it/ };

async function openOracle(page: Page): Promise<void> {
  await page.goto('/tests/browser/pages/tjs-oracle.html');
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

function call<Req, Res>(page: Page, method: keyof Oracle, req: Req): Promise<Outcome<Res>> {
  return page.evaluate(
    async ([m, r]) => {
      try {
        const oracle = (window as unknown as { oracle: Record<string, (x: unknown) => Promise<unknown>> }).oracle;
        return { ok: true as const, value: (await oracle[m]?.(r)) as never };
      } catch (e) {
        return { ok: false as const, error: String(e) };
      }
    },
    [method, req] as const,
  ) as Promise<Outcome<Res>>;
}

const question = 'What is in the picture?';
const generateReq = (device: Device, dtype: FixtureDtype, image: OracleImage, repo = NANOLLAVA_REPO): GenerateRequest => ({ host: hubMirrorUrl(), repo, dtype, device, image, question });

test.describe('transformers.js oracle on the nanoLLaVA-layout fixture', () => {
  test.setTimeout(600_000);

  test('loads the repo by id from the mirror in every dtype and generates 16 greedy tokens', async ({ page }, info) => {
    const device = deviceOf(info.project.name);
    await openOracle(page);
    const image = testImage(0);
    const rows: string[] = [];
    const tokens = new Map<FixtureDtype, number[]>();
    const outcomes = new Map<FixtureDtype, Outcome<GenerateResult>>();
    for (const dtype of FIXTURE_DTYPES) {
      const t0 = Date.now();
      const out = await call<GenerateRequest, GenerateResult>(page, 'generate', generateReq(device, dtype, image));
      rows.push(`${device} ${dtype.padEnd(6)} ${out.ok ? `${JSON.stringify(out.value.tokens)} ${Date.now() - t0} ms` : `FAILS: ${out.error.slice(0, 160)}`}`);
      outcomes.set(dtype, out);
    }
    console.log(`transformers.js ${NANOLLAVA_REPO} (${question}):\n${rows.join('\n')}`);
    for (const [dtype, out] of outcomes) {
      const refusal = device === 'webgpu' ? WEBGPU_REFUSES[dtype] : undefined;
      if (refusal) {
        expect(out.ok ? 'loaded' : out.error, `${dtype} on ${device}`).toMatch(refusal);
        continue;
      }
      if (!out.ok) throw new Error(`${dtype} on ${device}: ${out.error}`);
      const { inputIds, pixelDims } = out.value;
      const imageId = HUB_SIZES.text.vocabSize - 1; // <image>: the last added token
      expect(inputIds.filter((id) => id === imageId)).toHaveLength(NANOLLAVA_IMAGE_TOKENS);
      expect(pixelDims).toEqual([1, 3, 384, 384]);
      expect(out.value.tokens).toHaveLength(16);
      for (const id of out.value.tokens) expect(id).toBeLessThan(HUB_SIZES.text.vocabSize);
      tokens.set(dtype, out.value.tokens);
    }
    // Random weights still give an answer that is not one repeated token.
    expect(new Set(tokens.get('fp32')).size).toBeGreaterThan(3);
  });

  test('the external-data and float32-I/O fp16 variants load by id; external data gives the same tokens', async ({ page }, info) => {
    const device = deviceOf(info.project.name);
    await openOracle(page);
    const single = await call<GenerateRequest, GenerateResult>(page, 'generate', generateReq(device, 'fp32', { url: '/samples/shapesworld-0.png' }));
    // Same weights, external data (decoder in two chunks): the same tokens.
    const external = await call<GenerateRequest, GenerateResult>(page, 'generate', generateReq(device, 'fp32', { url: '/samples/shapesworld-0.png' }, NANOLLAVA_EXTERNAL_DATA_REPO));
    if (!single.ok || !external.ok) throw new Error(JSON.stringify([single, external].filter((o) => !o.ok)));
    expect(single.value.tokens).toHaveLength(16);
    expect(external.value.tokens).toEqual(single.value.tokens);

    const f32io = await call<GenerateRequest, GenerateResult>(page, 'generate', generateReq(device, 'fp16', testImage(0), NANOLLAVA_FP16_F32IO_REPO));
    console.log(`${device}: sample png fp32 ${JSON.stringify(single.value.tokens)}, external data ${JSON.stringify(external.value.tokens)}; fp16 float32-I/O: ${f32io.ok ? JSON.stringify(f32io.value.tokens) : f32io.error.slice(0, 120)}`);
    if (device === 'webgpu') expect(f32io.ok ? 'loaded' : f32io.error).toMatch(WEBGPU_REFUSES.fp16 as RegExp);
    else expect(f32io.ok && f32io.value.tokens).toHaveLength(16);
  });
});

test.describe('transformers.js oracle on the SlimSAM-layout fixture', () => {
  test.setTimeout(600_000);

  test("SamModel runs point prompts in every dtype; each point's smallest mask sits on it", async ({ page }, info) => {
    const device = deviceOf(info.project.name);
    await openOracle(page);
    const image = testImage(0);
    const points = [[[100, 120]], [[230, 60]]]; // the disc, the bar
    const rows: string[] = [];
    for (const dtype of SLIMSAM_DTYPES) {
      const t0 = Date.now();
      const out = await call<SegmentRequest, SegmentResult>(page, 'segment', { host: hubMirrorUrl(), repo: SLIMSAM_REPO, dtype, device, image, points });
      rows.push(`${device} ${dtype.padEnd(4)} ${out.ok ? `iou ${out.value.iouScores.map((v) => v.toFixed(3)).join(' ')} ${Date.now() - t0} ms` : `FAILS: ${out.error.slice(0, 160)}`}`);
      const refusal = device === 'webgpu' ? WEBGPU_REFUSES[dtype] : undefined;
      if (refusal) {
        expect(out.ok ? 'loaded' : out.error, `${dtype} on ${device}`).toMatch(refusal);
        continue;
      }
      if (!out.ok) throw new Error(`${dtype} on ${device}: ${out.error}`);
      const { iouDims, maskDims, predMasks, inputPoints, reshapedSize, originalSize } = out.value;
      expect(iouDims).toEqual([1, 2, 3]);
      expect(maskDims).toEqual([1, 2, 3, 256, 256]);
      expect(originalSize).toEqual([240, 320]);
      expect(reshapedSize).toEqual([768, 1024]);
      expect(inputPoints).toEqual([320, 384, 736, 192]); // scaled by 1024 / 320
      const masks = new Float32Array(Uint8Array.from(atob(predMasks), (c) => c.charCodeAt(0)).buffer);
      // The smallest mask of each point batch sits on its point (mask frame = 1024 frame / 4).
      const side = 256;
      for (let p = 0; p < 2; p++) {
        const plane = masks.subarray(p * 3 * side * side, (p * 3 + 1) * side * side);
        let [n, cx, cy] = [0, 0, 0];
        plane.forEach((v, i) => {
          if (v > 0) [n, cx, cy] = [n + 1, cx + (i % side) + 0.5, cy + Math.floor(i / side) + 0.5];
        });
        expect(n).toBeGreaterThan(50);
        expect(Math.abs(cx / n - ((inputPoints[2 * p] as number) + 0.5) / 4)).toBeLessThan(3);
        expect(Math.abs(cy / n - ((inputPoints[2 * p + 1] as number) + 0.5) / 4)).toBeLessThan(3);
        rows[rows.length - 1] += `; point ${p}: smallest mask ${n} px`;
      }
    }
    console.log(`transformers.js ${SLIMSAM_REPO}:\n${rows.join('\n')}`);
  });
});
