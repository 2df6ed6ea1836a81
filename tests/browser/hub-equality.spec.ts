import { expect, type Page, test } from '@playwright/test';
import { PeakMemorySampler, readProcessMemory } from '../../tools/browser/process-memory.ts';
import {
  FIXTURE_DTYPES,
  type FixtureDtype,
  NANOLLAVA_EXTERNAL_DATA_REPO,
  NANOLLAVA_FP16_F32IO_REPO,
  NANOLLAVA_REPO,
  SLIMSAM_DTYPES,
  SLIMSAM_REPO,
} from '../../tools/fixtures/hub-layout.ts';
import { hubMirrorUrl } from './hub-mirror.ts';
import { type TestImage, testImage } from './hub-test-image.ts';
import type { HubWindow, PlainRun } from './pages/hub.ts';
import type { GenerateRequest, GenerateResult } from './pages/tjs-oracle.ts';

// The SDK loads the nanoLLaVA-layout fixture by repo id from the local Hub mirror, in every dtype,
// and in plain mode (all 729 image tokens, as transformers.js feeds them) its 16 greedy tokens
// equal transformers.js 4.3.1's on the same files, image and question. Each test prints a table
// row: device, repo, dtype, whether each side runs, whether the tokens are equal, the renderer's
// memory (page + worker, PSS from /proc) before the load and at its peak, the bytes loaded.

type Device = 'wasm' | 'webgpu';
type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };
const QUESTION = 'What is in the picture?';
const EOS = 510; // <|im_end|> of the fixture tokenizer: transformers.js keeps it, usage.tokenIds does not

async function open(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
}

function oracleGenerate(page: Page, req: GenerateRequest): Promise<Outcome<GenerateResult>> {
  return page.evaluate(async (r) => {
    try {
      const oracle = (window as unknown as { oracle: { generate(x: unknown): Promise<GenerateResult> } }).oracle;
      return { ok: true as const, value: await oracle.generate(r) };
    } catch (e) {
      return { ok: false as const, error: String(e) };
    }
  }, req);
}

function ours(page: Page, repo: string, dtype: FixtureDtype, device: Device, image: TestImage): Promise<Outcome<PlainRun>> {
  const segmenter: FixtureDtype = SLIMSAM_DTYPES.includes(dtype) ? dtype : 'fp32';
  return page.evaluate(
    async ({ repo, sam, host, dtype, segmenter, device, image, question }) => {
      const { helpers } = window as unknown as HubWindow;
      const pixels = new ImageData(Uint8ClampedArray.from(image.rgba), image.width, image.height);
      try {
        const run = await helpers.plain(
          { vlm: repo, segmenter: sam, host, device, dtype: { encoder: dtype, embedTokens: dtype, decoder: dtype, segmenter } },
          question,
          16,
          pixels,
        );
        return { ok: true as const, value: run };
      } catch (e) {
        return { ok: false as const, error: `${(e as Error).name}: ${(e as Error).message}` };
      }
    },
    { repo, sam: SLIMSAM_REPO, host: hubMirrorUrl(), dtype, segmenter, device, image, question: QUESTION },
  );
}

const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

const CASES: Array<{ repo: string; dtype: FixtureDtype }> = [
  ...FIXTURE_DTYPES.map((dtype) => ({ repo: NANOLLAVA_REPO, dtype })),
  { repo: NANOLLAVA_FP16_F32IO_REPO, dtype: 'fp16' },
  { repo: NANOLLAVA_EXTERNAL_DATA_REPO, dtype: 'fp32' },
];

for (const c of CASES) {
  test(`${c.repo} in ${c.dtype}: loads by repo id; 16 greedy tokens equal transformers.js where it runs`, async ({ browser }, info) => {
    test.setTimeout(600_000);
    const device: Device = info.project.name === 'webgpu' ? 'webgpu' : 'wasm';
    const image = testImage();
    // The oracle first, in its own page, closed before ours loads (memory is read per renderer).
    const oraclePage = await browser.newPage();
    await open(oraclePage, '/tests/browser/pages/tjs-oracle.html');
    const want = await oracleGenerate(oraclePage, { host: hubMirrorUrl(), repo: c.repo, dtype: c.dtype, device, image, question: QUESTION });
    await oraclePage.close();

    const page = await browser.newPage();
    page.on('pageerror', (err) => console.log('[pageerror]', err.message));
    await open(page, '/tests/browser/pages/hub.html');
    const before = await readProcessMemory(browser);
    const sampler = new PeakMemorySampler(browser);
    const got = await ours(page, c.repo, c.dtype, device, image);
    const peak = await sampler.stop();
    await page.close();

    const wantTokens = want.ok ? want.value.tokens.filter((t, k, all) => !(t === EOS && k === all.length - 1)) : undefined;
    const match = got.ok && wantTokens !== undefined && JSON.stringify(got.value.tokenIds) === JSON.stringify(wantTokens);
    console.log(
      `| ${device} | ${c.repo} | ${c.dtype} | ${got.ok ? 'loads' : `no: ${got.error.slice(0, 120)}`} | ${want.ok ? 'runs' : `no: ${want.error.slice(0, 80)}`} | ` +
        `${want.ok && got.ok ? (match ? 'equal' : 'DIFFERENT') : '-'} | ${mb(before.renderers)} -> ${mb(peak.renderers)} | ${got.ok ? `${(got.value.bytes / 1e6).toFixed(2)} MB` : '-'} |` +
        ` ${got.ok ? JSON.stringify(got.value.tokenIds) : ''}`,
    );
    if (got.ok) expect(got.value.visualTokens).toBe(729);
    // Wherever transformers.js runs the files, ours loads them and answers with the same tokens.
    if (want.ok) {
      expect(got.ok ? got.value.tokenIds : got.error).toEqual(wantTokens);
      expect(wantTokens!.length).toBeGreaterThan(0);
    }
  });
}
