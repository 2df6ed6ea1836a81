/**
 * `npm run eval [-- --limit N] [--eval /eval/shapesworld-crowded/ --report docs/RESULTS-crowded.md]`:
 * the ShapesWorld evaluation through the SDK in headless Chromium. Accuracy by question type, with
 * 95% Wilson intervals, at budgets full, 57, 29, 15 and 4 (the paper's cut ratios) for the shipped
 * model with three kinds of token and with patch tokens only, and for every ablation model present
 * (unless --skip-ablations); mask quality of automatic mask generation against the ground-truth
 * instances; the training-free reducers (issue 16) on the same model at the same budgets (unless
 * --skip-reducers); the issue's targets and what the numbers say about the paper's questions. Writes the
 * report (docs/RESULTS.md by default; the raw result to bench-out/eval.json) and prints it.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ABLATION_MODELS, PAPER_BUDGETS, V2_MODEL } from '../../demo/catalog.ts';
import type { ExperimentModel, ExperimentResult } from '../../src/eval/experiment.ts';
import { accuracy, type SweepRow, sweepTable, type Tally, wilsonInterval } from '../../src/eval/summary.ts';
import { POLICY_LABELS } from '../../src/tokens/plan.ts';
import { REDUCERS } from '../../src/tokens/reduce/index.ts';
import { machineInfo, machineLine } from '../browser/machine.ts';
import { repoRoot } from '../browser/session.ts';
import { runHeadless } from './drive.ts';
import { modelWithPolicies, parseToolOptions } from './options.ts';

const argv = process.argv.slice(2);
const opts = parseToolOptions(argv, PAPER_BUDGETS);
const reducers = opts.skipReducers ? [] : REDUCERS;
const models: ExperimentModel[] = [modelWithPolicies(opts.model, ['balanced', 'patch-only', ...reducers])];
const reducerLabels = new Set<string>(reducers.map((r) => POLICY_LABELS[r]));
const present = opts.skipAblations ? [] : ABLATION_MODELS.filter((a) => existsSync(join(repoRoot, 'public', a.manifest)));
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
await writeFile(join(repoRoot, opts.report), report);
console.log(report);

function row(rows: SweepRow[], variant: string, budget: number | 'full'): SweepRow | undefined {
  return rows.find((r) => r.variant === variant && r.budget === budget);
}

function points(v: number): string {
  return Number.isFinite(v) ? (100 * v).toFixed(1) : 'n/a';
}

/** "70.9% (68.0-73.6)": accuracy with its 95% Wilson interval. */
function withInterval(t: Tally | undefined): string {
  if (!t || t.total === 0) return 'n/a';
  const [lo, hi] = wilsonInterval(t);
  return `${points(accuracy(t))}% (${points(lo)}-${points(hi)})`;
}

/** Answers of one variant at one budget, optionally of one type and expected answer. */
function tallyOf(result: ExperimentResult, variant: string, budget: number | 'full', type?: string, expected?: string): Tally {
  const rs = result.sweep.records.filter(
    (r) => r.variant === variant && r.budget === budget && (type === undefined || r.type === type) && (expected === undefined || r.expected === expected),
  );
  return { correct: rs.filter((r) => r.correct).length, total: rs.length };
}

/** Signed difference in points between two tallies ("+12.2" / "-1.2"). */
function diff(a: Tally | undefined, b: Tally | undefined): string {
  if (!a || !b || a.total === 0 || b.total === 0) return 'n/a';
  const d = 100 * (accuracy(a) - accuracy(b));
  return `${d >= 0 ? '+' : ''}${d.toFixed(1)}`;
}

function verdict(ok: boolean | undefined): string {
  return ok === undefined ? 'not measured' : ok ? '**met**' : '**not met**';
}

function aims(result: ExperimentResult): string[] {
  const full = row(result.rows, 'three kinds', 'full');
  const three15 = row(result.rows, 'three kinds', 15);
  const patch15 = row(result.rows, 'patch only', 15);
  const quality = result.sweep.maskQuality[0];
  const acc = (t: Tally | undefined): number => (t ? accuracy(t) : NaN);
  const fullAcc = acc(full?.all);
  const type = (t: string): Tally | undefined => full?.byType[t];
  const no = tallyOf(result, 'three kinds', 'full', 'exist', 'no');
  const gap15 = 100 * (fullAcc - acc(three15?.all));
  const lead15 = 100 * (acc(three15?.all) - acc(patch15?.all));
  const known = (v: number, ok: boolean): boolean | undefined => (Number.isFinite(v) ? ok : undefined);
  const at = (t: Tally | undefined, min: number): boolean | undefined => known(acc(t), acc(t) >= min);
  return [
    '| target (issue 13), three kinds | measured | verdict |',
    '|---|---|---|',
    `| full tokens, all questions >= 85% | ${withInterval(full?.all)} | ${verdict(at(full?.all, 0.85))} |`,
    `| full tokens, position >= 80% | ${withInterval(type('position'))} | ${verdict(at(type('position'), 0.8))} |`,
    `| full tokens, existence >= 90% | ${withInterval(type('exist'))} | ${verdict(at(type('exist'), 0.9))} |`,
    `| full tokens, existence with answer "no" >= 85% right | ${withInterval(no)} | ${verdict(at(no, 0.85))} |`,
    `| full tokens, counting >= 80% | ${withInterval(type('count'))} | ${verdict(at(type('count'), 0.8))} |`,
    `| 15 tokens within 3 points of full | ${Number.isFinite(gap15) ? `${Math.abs(gap15).toFixed(1)} points ${gap15 > 0 ? 'below' : 'above'} full` : 'n/a'} | ${verdict(known(gap15, gap15 <= 3))} |`,
    `| 15 tokens >= 5 points above patch tokens only | ${Number.isFinite(lead15) ? lead15.toFixed(1) : 'n/a'} points above | ${verdict(known(lead15, lead15 >= 5))} |`,
    `| mean best IoU of automatic masks >= 0.8 | ${quality ? quality.meanBestIoU.toFixed(3) : 'n/a'} | ${verdict(quality ? quality.meanBestIoU >= 0.8 : undefined)} |`,
  ];
}

/**
 * The paper's four questions as this repository reads them, answered from this run's numbers
 * (differences in points, each side's 95% interval in the table above).
 */
function findings(result: ExperimentResult, budgets: ReadonlyArray<number | 'full'>): string[] {
  const cut = budgets.filter((b): b is number => b !== 'full');
  const all = (variant: string, b: number | 'full'): Tally | undefined => row(result.rows, variant, b)?.all;
  const per = (f: (b: number) => string): string => cut.map((b) => `${b}: ${f(b)}`).join(', ');
  // Ablations flip one switch of the v2 recipe, so each is compared with that recipe's main model.
  const base = V2_MODEL.label;
  const minus = (label: string, other: string, name = label): string =>
    row(result.rows, label, 'full') && row(result.rows, other, 'full')
      ? `${name} minus the ${other} model, all questions: ${['full' as const, ...cut].map((b) => `${b}: ${diff(all(label, b), all(other, b))}`).join(', ')} points`
      : `not measured (${name} or the ${other} model was not evaluated in this run)`;
  // Looked up by package, so a changed label cannot turn a finding into "not measured".
  const ablation = (variant: string): string => {
    const model = ABLATION_MODELS.find((a) => a.manifest.endsWith(`/manifest-${variant}.json`));
    if (!model) throw new Error(`demo/catalog.ts lists no ablation package manifest-${variant}.json`);
    return minus(model.label, base);
  };
  return [
    `- **RQ1, do object and CLS tokens add to patch tokens at the same budget?** Three kinds minus patch tokens only, same model, all questions: ${per((b) => diff(all('three kinds', b), all('patch only', b)))} points.`,
    `- **RQ2, can tokens be dropped at test time without retraining?** Three kinds at each budget minus full: ${per((b) => diff(all('three kinds', b), all('three kinds', 'full')))} points.`,
    `- **RQ3, does norm scaling matter?** ${ablation('no-norm-scale')}.`,
    `- **RQ4, does training with varied, object-rich plans (oversampling) matter, and do object tokens matter in training?** ${ablation('no-oversample')}; ${ablation('patch-only')}.`,
    `- **Ours, beyond the paper: does a box embedding on object tokens help?** ${ablation('object-pos')}.`,
    `- **Ours: the v3 recipe (a position pre-phase, side words, relation-word questions, polish runs) against v2:** ${minus('three kinds', base, 'the shipped model (three kinds)')}.`,
  ];
}

/**
 * The training-free reducers (docs/composition.md) against the model's own token kinds, all
 * questions, one row per policy: each reducer keeps exactly `budget` patch-derived tokens (every
 * patch at 'full'); none has a parameter tuned on any data (seed 0 for the seeded ones).
 */
function reducerSection(result: ExperimentResult, budgets: ReadonlyArray<number | 'full'>): string[] {
  if (reducers.length === 0) return [];
  const variants = ['three kinds', 'patch only', ...reducers.map((r) => POLICY_LABELS[r])];
  const cell = (variant: string, b: number | 'full'): string => {
    const r = row(result.rows, variant, b);
    return r ? `${withInterval(r.all)}, ${r.tokens.toFixed(1)} tok` : 'n/a';
  };
  const cut = budgets.filter((b): b is number => b !== 'full');
  const best = cut.map((b) => {
    const ranked = reducers
      .map((r) => ({ label: POLICY_LABELS[r], t: row(result.rows, POLICY_LABELS[r], b)?.all }))
      .filter((x): x is { label: string; t: Tally } => x.t !== undefined && x.t.total > 0)
      .sort((x, y) => accuracy(y.t) - accuracy(x.t));
    const top = ranked[0];
    if (!top) return `${b}: n/a`;
    const three = row(result.rows, 'three kinds', b)?.all;
    const patch = row(result.rows, 'patch only', b)?.all;
    const overlaps = (a: Tally | undefined): string => {
      if (!a || a.total === 0) return '';
      const [lo1, hi1] = wilsonInterval(top.t);
      const [lo2, hi2] = wilsonInterval(a);
      return lo1 <= hi2 && lo2 <= hi1 ? ', intervals overlap' : ', intervals disjoint';
    };
    return `${b}: ${top.label} (${diff(top.t, three)} vs three kinds${overlaps(three)}; ${diff(top.t, patch)} vs pooled patches${overlaps(patch)})`;
  });
  return [
    '## Training-free reducers (issue 16)',
    '',
    'The same model and images, every question at every budget, all questions: % (95% Wilson interval),',
    "mean visual tokens. A reducer spends the whole budget on tokens made from the patch features",
    '(no CLS, no object tokens; docs/composition.md names each source paper); none has a parameter',
    'tuned on any data, and the seeded ones (k-means, random) use seed 0.',
    '',
    `| policy | ${budgets.join(' | ')} |`,
    `|---|${budgets.map(() => '---').join('|')}|`,
    ...variants.map((v) => `| ${v} | ${budgets.map((b) => cell(v, b)).join(' | ')} |`),
    '',
    `Best reducer per budget, in points against this model's own plans: ${best.join('; ')}.`,
    '',
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
    "actually used (fewer than the budget when an image has few masks); cut is the variant's full tokens",
    'divided by that (the paper cuts 576 to 57, ~10x, and to 15, ~38x). Accuracies are % with their',
    '95% Wilson interval in brackets. Latencies are medians per answer.',
    '',
    sweepTable(result.rows.filter((r) => !reducerLabels.has(r.variant)), { intervals: true, cutRatio: true }),
    '',
    ...reducerSection(result, opts.budgets),
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
    '## Targets',
    '',
    ...aims(result),
    '',
    '## What the numbers say',
    '',
    ...findings(result, opts.budgets),
    '',
    opts.skipAblations
      ? 'Ablation models left out (--skip-ablations).'
      : missing.length
        ? `Ablation models not present (so not evaluated): ${missing.join(', ')}.`
        : 'Every ablation model was evaluated.',
    '',
  ];
  return lines.filter((l, i) => l !== '' || lines[i - 1] !== '').join('\n');
}
