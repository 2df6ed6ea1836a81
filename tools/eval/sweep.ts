/**
 * `npm run sweep -- --budgets 576,57,15 [--limit N] [--model URL] [--eval URL]
 * [--policies balanced,patch-only,divprune,...] [--device wasm|webgpu|auto] [--threads N]
 * [--shard i/n] [--out result.json]`: the experiment page's sweep, headless; prints the table.
 * URLs are as the dev server serves them (public/ at the root). With `--shard i/n` it runs every
 * n-th image only; `npm run sweep:merge -- a.json b.json ...` joins the shards' `--out` files.
 */
import { writeFile } from 'node:fs/promises';
import { PAPER_BUDGETS } from '../../demo/catalog.ts';
import { runHeadless } from './drive.ts';
import { modelWithPolicies, parseToolOptions } from './options.ts';
import { printExperiment } from './print.ts';

const opts = parseToolOptions(process.argv.slice(2), PAPER_BUDGETS);
const { result, browserVersion } = await runHeadless({
  evalSet: opts.evalSet,
  models: [modelWithPolicies(opts.model, opts.policies)],
  budgets: opts.budgets,
  limit: opts.limit,
  device: opts.device,
  numThreads: opts.numThreads,
  ...(opts.shard ? { shard: opts.shard } : {}),
});
printExperiment(result, `Chromium ${browserVersion}`);
if (opts.out) {
  await writeFile(opts.out, JSON.stringify({ ...result, browserVersion }));
  console.log(`wrote ${opts.out}`);
}
