/**
 * `npm run eval [-- --limit N]`: the ShapesWorld evaluation through the SDK in headless Chromium.
 * Accuracy by question type at budgets full, 57, 42, 29 and 15 for the shipped model with three
 * kinds of token and with patch tokens only, and for every ablation model present; mask quality
 * of automatic mask generation against the ground-truth instances. Writes docs/RESULTS.md (and the
 * raw result to bench-out/eval.json) and prints the report.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ABLATION_MODELS, PAPER_BUDGETS } from '../../demo/catalog.ts';
import type { ExperimentModel, ExperimentResult } from '../../src/eval/experiment.ts';
import { accuracy, type SweepRow, sweepTable } from '../../src/eval/summary.ts';
import { machineInfo, machineLine } from '../browser/machine.ts';
import { repoRoot } from '../browser/session.ts';
import { runHeadless } from './drive.ts';
import { modelWithPolicies, parseToolOptions } from './options.ts';

const argv = process.argv.slice(2);
const opts = parseToolOptions(argv, PAPER_BUDGETS);
const models: ExperimentModel[] = [modelWithPolicies(opts.model, ['balanced', 'patch-only'])];
const present = ABLATION_MODELS.filter((a) => existsSync(join(repoRoot, 'public', a.manifest)));
for (const a of present) models.push({ url: `/${a.manifest}`, variants: [{ name: a.label, policy: a.policy }] });

const started = Date.now();
const { result, browserVersion } = await runHeadless({
  evalSet: opts.evalSet,
  models,
  budgets: opts.budgets,
  limit: opts.limit,
  device: opts.device,
  numThreads: opts.numThreads,
});
const wallS = (Date.now() - started) / 1000;
await mkdir(join(repoRoot, 'bench-out'), { recursive: true });
await writeFile(join(repoRoot, 'bench-out/eval.json'), JSON.stringify(result, null, 1));
const report = renderReport(result, browserVersion, wallS);
await writeFile(join(repoRoot, 'docs/RESULTS.md'), report);
console.log(report);

function row(rows: SweepRow[], variant: string, budget: number | 'full'): SweepRow | undefined {
  return rows.find((r) => r.variant === variant && r.budget === budget);
}

function points(v: number): string {
  return Number.isFinite(v) ? (100 * v).toFixed(1) : 'n/a';
}

function verdict(ok: boolean | undefined): string {
  return ok === undefined ? 'not measured' : ok ? '**met**' : '**not met**';
}

function aims(result: ExperimentResult): string[] {
  const full = row(result.rows, 'three kinds', 'full');
  const at57 = row(result.rows, 'three kinds', 57);
  const three15 = row(result.rows, 'three kinds', 15);
  const patch15 = row(result.rows, 'patch only', 15);
  const quality = result.sweep.maskQuality[0];
  const fullAcc = full ? accuracy(full.all) : NaN;
  const gap57 = full && at57 ? 100 * (fullAcc - accuracy(at57.all)) : NaN;
  const lead15 = three15 && patch15 ? 100 * (accuracy(three15.all) - accuracy(patch15.all)) : NaN;
  const known = (v: number, ok: boolean): boolean | undefined => (Number.isFinite(v) ? ok : undefined);
  return [
    '| aim (issue 5) | measured | verdict |',
    '|---|---|---|',
    `| full-token accuracy (three kinds) >= 90% | ${points(fullAcc)}% | ${verdict(known(fullAcc, fullAcc >= 0.9))} |`,
    `| 57 tokens within 2 points of full | ${Number.isFinite(gap57) ? gap57.toFixed(1) : 'n/a'} points below full | ${verdict(known(gap57, gap57 <= 2))} |`,
    `| at 15 tokens, three kinds >= 5 points above patch-only | ${Number.isFinite(lead15) ? lead15.toFixed(1) : 'n/a'} points above | ${verdict(known(lead15, lead15 >= 5))} |`,
    `| mean best IoU of automatic masks >= 0.8 | ${quality ? quality.meanBestIoU.toFixed(3) : 'n/a'} | ${verdict(quality ? quality.meanBestIoU >= 0.8 : undefined)} |`,
  ];
}

function renderReport(result: ExperimentResult, browser: string, seconds: number): string {
  const command = ['npm run eval', ...(argv.length ? ['--', ...argv] : [])].join(' ');
  const fullMin = (seconds / 60) * (result.setImages / result.images);
  const subset =
    opts.limit === undefined
      ? 'the whole set'
      : `only the first ${result.images} of ${result.setImages} images, via --limit ${opts.limit}: at this run's pace the whole set would take about ${fullMin.toFixed(0)} min on this machine, mostly encoding with automatic mask generation once per image and model; \`npm run eval\` without --limit runs it all`;
  const missing = ABLATION_MODELS.filter((a) => !present.includes(a)).map((a) => `public/${a.manifest}`);
  const lines = [
    '# ShapesWorld results',
    '',
    `Produced by \`${command}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: the SDK in headless`,
    `Chromium ${browser} on ${result.device} (${result.numThreads} WASM threads), ${machineLine(machineInfo())}.`,
    `Evaluation set \`${opts.evalSet}\`: ${result.images} images, ${result.questions} questions (${subset}).`,
    `Each image is encoded once per model and every question asked at every budget; answers are`,
    `compared after trimming and lower-casing. Greedy decoding. The run took ${(seconds / 60).toFixed(1)} min.`,
    result.sweep.stopped ? '\n**The sweep stopped early; the figures are partial.**' : '',
    '',
    '## Accuracy by question type (%)',
    '',
    `'three kinds' is the shipped model (${opts.model}) with CLS + pooled patches + object tokens`,
    "(policy 'balanced'); 'patch only' is the same model fed pooled patch tokens only. 'full' is every",
    'patch token (plus CLS and every mask for three kinds). Tokens is the mean number of visual tokens',
    'actually used (fewer than the budget when an image has few masks). Latencies are medians per answer.',
    '',
    sweepTable(result.rows),
    '',
    '## Mask quality of automatic mask generation',
    '',
    'Mean over ground-truth objects of the best IoU any proposal reaches with the object (64x64 masks).',
    '',
    '| model | mean best IoU | objects | proposals per image | encode ms per image |',
    '|---|---|---|---|---|',
    ...result.sweep.maskQuality.map(
      (q) => `| ${q.model} | ${q.meanBestIoU.toFixed(3)} | ${q.objects} | ${q.proposalsPerImage.toFixed(1)} | ${(result.sweep.encodeMs[q.model] ?? NaN).toFixed(0)} |`,
    ),
    '',
    '## Aims',
    '',
    ...aims(result),
    '',
    missing.length ? `Ablation models not present (so not evaluated): ${missing.join(', ')}.` : 'Every ablation model was evaluated.',
    '',
  ];
  return lines.filter((l, i) => l !== '' || lines[i - 1] !== '').join('\n');
}
