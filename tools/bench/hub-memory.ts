/**
 * `npm run bench:hub-memory [-- --dtypes q4,fp32 --devices wasm]`: peak memory of Chromium while the
 * SDK loads a published-layout repo by id and answers once, on a mid-size nanoLLaVA-layout model
 * generated on demand (bench-out/hub/, not committed) and served by the Hub mirror. Prints, per
 * dtype and device, the bytes of the files loaded, the renderer's proportional set size (page +
 * inference worker, ORT's wasm heap included) before the load and at its peak, and the GPU
 * process's peak, read from /proc while the load runs (tools/browser/process-memory.ts).
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser } from '@playwright/test';
import { HUB_SIZES, type HubSizes, generateHubRepos } from '../fixtures/hub.ts';
import { type FixtureDtype, NANOLLAVA_REPO, SLIMSAM_REPO } from '../fixtures/hub-layout.ts';
import { serveHubMirror } from '../../tests/browser/hub-mirror.ts';
import type { HubWindow } from '../../tests/browser/pages/hub.ts';
import { machineInfo, machineLine } from '../browser/machine.ts';
import { PeakMemorySampler, readProcessMemory } from '../browser/process-memory.ts';
import { openPage, repoRoot } from '../browser/session.ts';

/** ~110 M parameters: big enough that model bytes dominate the renderer's baseline. */
const MEDIUM: HubSizes = {
  ...HUB_SIZES,
  seed: 99,
  vision: { imageSize: 384, patchSize: 14, hiddenSize: 384, intermediateSize: 1536, layers: 6, heads: 6 },
  text: { ...HUB_SIZES.text, hiddenSize: 768, layers: 8, heads: 12, kvHeads: 12, headDim: 64, intermediateSize: 2048, vocabSize: 16384 },
};

const { values: args } = parseArgs({
  args: process.argv.slice(2),
  options: { dtypes: { type: 'string', default: 'q4,q8,fp32' }, devices: { type: 'string', default: 'wasm' } },
});
const dtypes = args.dtypes.split(',') as FixtureDtype[];
const devices = args.devices.split(',') as Array<'wasm' | 'webgpu'>;
const root = join(repoRoot, 'bench-out/hub');
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)}`;

if (!existsSync(join(root, NANOLLAVA_REPO, 'config.json'))) {
  console.error('generating the mid-size Hub-layout repos in bench-out/hub/ ...');
  const report = await generateHubRepos(root, MEDIUM);
  for (const [repo, bytes] of Object.entries(report)) console.error(`  ${repo}: ${(bytes / 1e6).toFixed(0)} MB`);
}
const mirror = await serveHubMirror(0, root);
const host = `http://localhost:${(mirror.address() as AddressInfo).port}/`;
const rows: string[] = [];
try {
  for (const device of devices) {
    const session = await openPage('/tests/browser/pages/hub.html', { args: device === 'webgpu' ? ['--enable-unsafe-webgpu'] : [] });
    const browser = session.page.context().browser() as Browser;
    try {
      await session.page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
      for (const dtype of dtypes) {
        const before = await readProcessMemory(browser);
        const sampler = new PeakMemorySampler(browser, 50);
        const run = await session.page.evaluate(
          async ({ vlm, segmenter, host, device, dtype }) => {
            const { helpers } = window as unknown as HubWindow;
            const image = new ImageData(320, 240);
            for (let i = 0; i < image.data.length; i += 4) image.data.set([i % 251, (i >> 8) % 253, 90, 255], i);
            try {
              const dtypes = { encoder: dtype, embedTokens: dtype === 'q4' || dtype === 'q4f16' ? 'q8' : dtype, decoder: dtype, segmenter: 'q8' } as const;
              return await helpers.plain({ vlm, segmenter, host, device, dtype: dtypes }, 'What is this?', 4, image);
            } catch (e) {
              return String(e);
            }
          },
          { vlm: NANOLLAVA_REPO, segmenter: SLIMSAM_REPO, host, device, dtype },
        );
        const peak = await sampler.stop();
        if (typeof run === 'string') {
          rows.push(`| ${device} | ${dtype} | fails: ${run.slice(0, 100)} | | | | |`);
          continue;
        }
        const grew = peak.renderers - before.renderers;
        rows.push(
          `| ${device} | ${dtype} | ${mib(run.bytes)} | ${mib(before.renderers)} | ${mib(peak.renderers)} | ${mib(grew)} (${(grew / run.bytes).toFixed(2)}x files) | ${mib(peak.gpu)} |`,
        );
      }
    } finally {
      await session.close();
    }
  }
} finally {
  mirror.close();
}
console.log(`Peak memory while loading ${NANOLLAVA_REPO} (mid-size, generated) + ${SLIMSAM_REPO} by repo id and answering once; ${machineLine(machineInfo())}`);
console.log('| device | dtype | files (MiB) | renderer before (MiB) | renderer peak (MiB) | growth | GPU process peak (MiB) |\n|---|---|---|---|---|---|---|');
console.log(rows.join('\n'));
