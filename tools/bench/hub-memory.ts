/**
 * `npm run bench:hub-memory [-- --dtypes q4,fp32 --devices wasm] [--root DIR --vlm REPO --segmenter REPO]`:
 * peak memory of Chromium while the SDK loads a published-layout repo by id and answers once, by
 * default on a mid-size nanoLLaVA-layout model generated on demand (bench-out/hub/, not committed);
 * `--root` serves another folder of repos instead, e.g. the real-size model `npm run bench:model`
 * writes (`--root tests/fixtures/generated/hub --vlm mask-llava-bench/nanoLLaVA-1.5-realsize
 * --segmenter mask-llava-bench/slimsam-77-uniform`). Served by the Hub mirror. Prints, per
 * dtype and device, the bytes of the files loaded, the renderer's proportional set size (page +
 * inference worker, ORT's wasm heap included) before the load and at its peak, and the GPU
 * process's peak, read from /proc while the load runs (tools/browser/process-memory.ts).
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
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
  options: {
    dtypes: { type: 'string', default: 'q4,q8,fp32' },
    devices: { type: 'string', default: 'wasm' },
    root: { type: 'string' },
    vlm: { type: 'string', default: NANOLLAVA_REPO },
    segmenter: { type: 'string', default: SLIMSAM_REPO },
  },
});
const dtypes = args.dtypes.split(',') as FixtureDtype[];
const devices = args.devices.split(',') as Array<'wasm' | 'webgpu'>;
const root = args.root ? resolve(args.root) : join(repoRoot, 'bench-out/hub');
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)}`;

if (!args.root && !existsSync(join(root, NANOLLAVA_REPO, 'config.json'))) {
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
        const source = { vlm: args.vlm, segmenter: args.segmenter, host, device, dtype: { encoder: dtype, embedTokens: dtype === 'q4' || dtype === 'q4f16' ? 'q8' : dtype, decoder: dtype, segmenter: 'q8' } } as const;
        let sampler = new PeakMemorySampler(browser, 50);
        const bytes = await session.page.evaluate(async (src) => {
          const { helpers } = window as unknown as HubWindow;
          return helpers.open(src).catch((e: unknown) => String(e));
        }, source);
        const load = await sampler.stop();
        if (typeof bytes === 'string') {
          rows.push(`| ${device} | ${dtype} | fails: ${bytes.slice(0, 100)} | | | | | |`);
          continue;
        }
        const loaded = await readProcessMemory(browser);
        sampler = new PeakMemorySampler(browser, 50);
        await session.page.evaluate(async () => {
          const { helpers } = window as unknown as HubWindow;
          const image = new ImageData(320, 240);
          for (let i = 0; i < image.data.length; i += 4) image.data.set([i % 251, (i >> 8) % 253, 90, 255], i);
          await helpers.answer('What is this?', 4, image);
          await helpers.close();
        });
        const answered = await sampler.stop();
        const grew = load.renderers - before.renderers;
        rows.push(
          `| ${device} | ${dtype} | ${mib(bytes)} | ${mib(before.renderers)} | ${mib(load.renderers)} (+${mib(grew)}, ${(grew / bytes).toFixed(2)}x files) | ${mib(loaded.renderers)} | ${mib(answered.renderers)} | ${mib(Math.max(load.gpu, answered.gpu))} |`,
        );
      }
    } finally {
      await session.close();
    }
  }
} finally {
  mirror.close();
}
console.log(`Peak memory while loading ${args.vlm} + ${args.segmenter} by repo id from ${root} and answering once; ${machineLine(machineInfo())}`);
console.log(
  '| device | dtype | files (MiB) | renderer before (MiB) | renderer peak during load (MiB) | renderer after load (MiB) | renderer peak during encode + 4-token answer (MiB) | GPU process peak (MiB) |\n|---|---|---|---|---|---|---|---|',
);
console.log(rows.join('\n'));
