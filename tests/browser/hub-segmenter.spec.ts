import { expect, type Page, test } from '@playwright/test';
import { maskIoU } from '../../src/masks/iou.ts';
import { type BitMask } from '../../src/masks/bitmask.ts';
import { passesThresholds, planeToEncoderFrame, pointGrid, selectProposals, stabilityScore, validPlane } from '../../src/masks/amg.ts';
import { type FixtureDtype, NANOLLAVA_REPO, SLIMSAM_DTYPES, SLIMSAM_REPO } from '../../tools/fixtures/hub-layout.ts';
import { hubMirrorUrl } from './hub-mirror.ts';
import { testImage } from './hub-test-image.ts';
import type { HubWindow, MaskRun } from './pages/hub.ts';
import type { SegmentRequest, SegmentResult } from './pages/tjs-oracle.ts';

// The SlimSAM-layout fixture loaded by repo id: our automatic mask generation (a point grid through
// the SDK's segmenter) gives the same masks as transformers.js's SamModel given the same point
// prompts, its outputs run through the same pure AMG selection (src/masks/amg.ts).

type Device = 'wasm' | 'webgpu';
type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

/** Lets the random-weight fixture's noise scores through: every candidate is decided by area and NMS. */
const AMG = { pointsPerSide: 4, pointsPerBatch: 16, predIouThreshold: -1e9, stabilityThreshold: 0, stabilityOffset: 1, nmsThreshold: 0.7, minAreaFraction: 0.002 };

async function open(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
}

function toMask(m: { bits: number[]; score: number; area: number }, size: number): BitMask {
  return { size, bits: Uint32Array.from(m.bits), bbox: [0, 0, size, size], area: m.area, score: m.score };
}

test('SlimSAM-layout fixture by repo id: our AMG masks equal those from transformers.js SamModel for the same points', async ({ browser }, info) => {
  test.setTimeout(900_000);
  const device: Device = info.project.name === 'webgpu' ? 'webgpu' : 'wasm';
  const image = testImage();
  const rows: string[] = [];
  const failures: string[] = [];
  for (const dtype of SLIMSAM_DTYPES as FixtureDtype[]) {
    const page = await browser.newPage();
    await open(page, '/tests/browser/pages/hub.html');
    const got: Outcome<MaskRun> = await page.evaluate(
      async ({ vlm, sam, host, device, dtype, image, amg }) => {
        const { helpers } = window as unknown as HubWindow;
        try {
          const pixels = new ImageData(Uint8ClampedArray.from(image.rgba), image.width, image.height);
          return { ok: true as const, value: await helpers.masks({ vlm, segmenter: sam, host, device, dtype: { encoder: 'q4', embedTokens: 'q8', decoder: 'q4', segmenter: dtype } }, pixels, amg) };
        } catch (e) {
          return { ok: false as const, error: `${(e as Error).name}: ${(e as Error).message}` };
        }
      },
      { vlm: NANOLLAVA_REPO, sam: SLIMSAM_REPO, host: hubMirrorUrl(), device, dtype, image, amg: AMG },
    );
    await page.close();

    // The same points in original-image pixels (SamProcessor scales them into the 1024 frame).
    const resized: [number, number] = [768, 1024];
    const scale = image.width / resized[1];
    const points = pointGrid(AMG.pointsPerSide, resized).map(([x, y]) => [[x * scale, y * scale]]);
    const oraclePage = await browser.newPage();
    await open(oraclePage, '/tests/browser/pages/tjs-oracle.html');
    const want: Outcome<SegmentResult> = await oraclePage.evaluate(async (r) => {
      try {
        const oracle = (window as unknown as { oracle: { segment(x: unknown): Promise<SegmentResult> } }).oracle;
        return { ok: true as const, value: await oracle.segment(r) };
      } catch (e) {
        return { ok: false as const, error: String(e) };
      }
    }, { host: hubMirrorUrl(), repo: SLIMSAM_REPO, dtype, device, image, points } satisfies SegmentRequest);
    await oraclePage.close();

    if (!want.ok || !got.ok) {
      rows.push(`| ${device} | ${dtype} | ${got.ok ? 'loads' : `no: ${got.error.slice(0, 80)}`} | ${want.ok ? 'runs' : `no: ${want.error.slice(0, 80)}`} | - |`);
      if (want.ok) failures.push(`${dtype} on ${device}: transformers.js runs, ours: ${got.ok ? '' : got.error}`);
      continue;
    }
    const { frame, maskResolution, padSize } = got.value;
    expect(want.value.reshapedSize).toEqual(resized);
    const logits = new Float32Array(Uint8Array.from(atob(want.value.predMasks), (c) => c.charCodeAt(0)).buffer);
    const side = want.value.maskDims.at(-1)!;
    const plane = side * side;
    const segFrame = { width: image.width, height: image.height, resized, encoderRect: frame };
    const [validRows, validCols] = validPlane(side, padSize, resized);
    const candidates: BitMask[] = [];
    want.value.iouScores.forEach((score, k) => {
      const values = logits.subarray(k * plane, (k + 1) * plane);
      if (passesThresholds(score, stabilityScore(values, side, validRows, validCols, AMG.stabilityOffset), AMG)) {
        candidates.push(planeToEncoderFrame(values, side, padSize, segFrame, maskResolution, score, null));
      }
    });
    const expected = selectProposals(candidates, AMG).masks;
    const ourMasks = got.value.masks.map((m) => toMask(m, maskResolution));
    const ious = expected.map((m, i) => (ourMasks[i] ? maskIoU(m, ourMasks[i]!) : 0));
    const exact = expected.filter((m, i) => ourMasks[i] && m.bits.every((w, j) => w === ourMasks[i]!.bits[j])).length;
    const scoreDiff = Math.max(0, ...expected.map((m, i) => Math.abs(m.score - (ourMasks[i]?.score ?? Infinity))));
    rows.push(`| ${device} | ${dtype} | loads | runs | ${ourMasks.length} vs ${expected.length} masks, ${exact} bit-identical, min IoU ${Math.min(...ious).toFixed(4)}, max score diff ${scoreDiff.toExponential(1)} |`);
    if (ourMasks.length !== expected.length || Math.min(...ious) < 0.99 || scoreDiff > 1e-3) failures.push(`${dtype} on ${device}: ${rows.at(-1)}`);
  }
  console.log(`| device | SAM dtype | SDK | transformers.js | masks (ours vs SamModel + our AMG selection) |\n|---|---|---|---|---|\n${rows.join('\n')}`);
  expect(failures, failures.join('\n')).toEqual([]);
});
