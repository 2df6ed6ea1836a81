/**
 * `npm run sweep -- --budgets 576,57,15 [--limit N] [--model URL] [--eval URL] [--policies balanced,patch-only]
 * [--device wasm|webgpu|auto] [--threads N]`: the experiment page's sweep, headless; prints the table.
 * URLs are as the dev server serves them (public/ at the root).
 */
import { PAPER_BUDGETS } from '../../demo/catalog.ts';
import { sweepTable } from '../../src/eval/summary.ts';
import { runHeadless } from './drive.ts';
import { modelWithPolicies, parseToolOptions } from './options.ts';

const opts = parseToolOptions(process.argv.slice(2), PAPER_BUDGETS);
const { result, browserVersion } = await runHeadless({
  evalSet: opts.evalSet,
  models: [modelWithPolicies(opts.model, opts.policies)],
  budgets: opts.budgets,
  limit: opts.limit,
  device: opts.device,
  numThreads: opts.numThreads,
});
console.log(`${opts.model} on ${opts.evalSet}: ${result.images} images, ${result.questions} questions; ${result.device}, ${result.numThreads} threads, Chromium ${browserVersion}`);
console.log(sweepTable(result.rows));
for (const q of result.sweep.maskQuality) {
  console.log(`mask quality (${q.model}): mean best IoU ${q.meanBestIoU.toFixed(3)} over ${q.objects} objects, ${q.proposalsPerImage.toFixed(1)} proposals per image`);
}
console.log(`sweep ${(result.sweepMs / 1000).toFixed(1)} s`);
