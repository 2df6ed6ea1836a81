/**
 * `npm run sweep:merge -- shard1.json shard2.json ... [--out merged.json]`: joins the `--out`
 * files of `npm run sweep -- --shard i/n` runs (one per shard, from any machines) into the result
 * of one unsharded run and prints its table.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { ExperimentResult } from '../../src/eval/experiment.ts';
import { mergeExperiments } from '../../src/eval/shard.ts';
import { printExperiment } from './print.ts';

const { values, positionals } = parseArgs({ args: process.argv.slice(2), options: { out: { type: 'string' } }, allowPositionals: true });
const parts = await Promise.all(positionals.map(async (f) => JSON.parse(await readFile(f, 'utf8')) as ExperimentResult & { browserVersion?: string }));
const merged = mergeExperiments(parts);
const browsers = [...new Set(parts.map((p) => p.browserVersion ?? 'unknown browser'))];
printExperiment(merged, `${parts.length} shards, Chromium ${browsers.join(' / ')}`);
if (values.out) {
  await writeFile(values.out, JSON.stringify(merged));
  console.log(`wrote ${values.out}`);
}
