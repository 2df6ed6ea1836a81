/**
 * The experiment page: pick an evaluation set, models, token kinds and budgets, run the sweep
 * (src/eval/experiment.ts, the same code as `npm run eval` and `npm run sweep`) with a progress bar
 * and a stop button, plot accuracy and latency against visual tokens, export CSV and JSON.
 * `?eval=` and `?model=` (URLs relative to the page) preset the set and add a model; `?device=`
 * presets the device.
 */
import { ABLATION_MODELS, type CatalogModel, MAIN_MODEL, PAPER_BUDGETS, SHAPESWORLD_EVAL } from './catalog.ts';
import {
  type ChartSeries,
  type ExperimentConfig,
  type ExperimentModel,
  type ExperimentResult,
  type SweepRow,
  POLICY_LABELS,
  SWEEP_POLICIES,
  accuracy,
  lineChartSvg,
  loadEvalSet,
  parseBudgets,
  questionTypes,
  runExperiment,
  sweepCsv,
} from 'mask-llava-web';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const form = $<HTMLFormElement>('setup');
const evalUrl = $<HTMLInputElement>('eval-url');
const limit = $<HTMLInputElement>('limit');
const budgetsInput = $<HTMLInputElement>('budgets');
const runButton = $<HTMLButtonElement>('run');
const stopButton = $<HTMLButtonElement>('stop');
const progress = $<HTMLProgressElement>('progress');
const status = $('status');
const errorBox = $('error');

const params = new URL(location.href).searchParams;
// Site-root paths resolve against the folder above this page, in dev and in the static build.
const siteRoot = new URL('../', location.href);
evalUrl.value = new URL(params.get('eval') ?? SHAPESWORLD_EVAL, params.get('eval') ? location.href : siteRoot).href;
budgetsInput.value = PAPER_BUDGETS;
const deviceParam = params.get('device');
if (deviceParam === 'webgpu' || deviceParam === 'wasm') $<HTMLSelectElement>('device').value = deviceParam;

interface ModelChoice {
  label: string;
  url: string;
  /** Ablations keep the policy they were trained for; the main and custom models take the kind switches. */
  fixedPolicy?: CatalogModel['policy'];
  box: HTMLInputElement;
}

const choices: ModelChoice[] = [];
let last: ExperimentResult | undefined;
let running: AbortController | undefined;

function addChoice(label: string, url: string, checked: boolean, fixedPolicy?: CatalogModel['policy']): void {
  const wrap = document.createElement('label');
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.checked = checked;
  wrap.append(box, ` ${label}`);
  $('models').append(wrap);
  choices.push({ label, url, box, ...(fixedPolicy ? { fixedPolicy } : {}) });
}

/** Lists the shipped models whose manifest answers, plus `?model=`. */
async function discoverModels(): Promise<void> {
  const custom = params.get('model');
  if (custom) addChoice(custom, new URL(custom, location.href).href, true);
  for (const m of [MAIN_MODEL, ...ABLATION_MODELS]) {
    const url = new URL(m.manifest, siteRoot).href;
    const res = await fetch(url, { method: 'HEAD' }).catch(() => undefined);
    if (res?.ok) addChoice(m.label, url, m === MAIN_MODEL && !custom, m === MAIN_MODEL ? undefined : m.policy);
  }
  if (choices.length === 0) showError('No model found: pass ?model=<manifest or folder URL> or ship public/models/shapesworld/.');
}

async function describeSet(): Promise<void> {
  try {
    const items = await loadEvalSet(evalUrl.value);
    $('set-size').textContent = `of ${items.length} (${items.reduce((n, i) => n + i.questions.length, 0)} questions)`;
    limit.max = String(items.length);
  } catch (err) {
    $('set-size').textContent = `(cannot read the set: ${String(err)})`;
  }
}

function showError(message: string): void {
  errorBox.textContent = message;
  errorBox.hidden = message === '';
}

/** One checkbox per sweepable policy; three kinds and patch-only start ticked. */
const policyBoxes = SWEEP_POLICIES.map((policy) => {
  const wrap = document.createElement('label');
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.id = `policy-${policy}`;
  box.checked = policy === 'balanced' || policy === 'patch-only';
  wrap.append(box, ` ${POLICY_LABELS[policy]}`);
  $('policies').append(wrap);
  return { policy, box };
});

function config(): ExperimentConfig {
  const kinds = policyBoxes.filter((p) => p.box.checked).map((p) => ({ name: POLICY_LABELS[p.policy], policy: p.policy }));
  const models: ExperimentModel[] = choices
    .filter((c) => c.box.checked)
    .map((c) => ({
      url: c.url,
      variants: c.fixedPolicy ? [{ name: c.label, policy: c.fixedPolicy }] : kinds.map((k) => ({ name: `${c.label} · ${k.name}`, policy: k.policy })),
    }))
    .filter((m) => m.variants.length > 0);
  if (models.length === 0) throw new Error('Pick at least one model and one token policy.');
  const device = $<HTMLSelectElement>('device').value as ExperimentConfig['device'];
  return { evalSet: evalUrl.value, models, budgets: parseBudgets(budgetsInput.value), limit: Number(limit.value) || undefined, device };
}

async function run(): Promise<void> {
  showError('');
  const controller = new AbortController();
  running = controller;
  runButton.disabled = true;
  stopButton.disabled = false;
  progress.value = 0;
  try {
    const result = await runExperiment(config(), {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.status === 'loading') status.textContent = `Loading ${e.what}…`;
        else {
          progress.max = e.total;
          progress.value = e.done;
          status.textContent = `${e.done} / ${e.total} answers (${e.model}, ${e.item})`;
        }
      },
    });
    last = result;
    status.textContent = `${result.sweep.stopped ? 'Stopped' : 'Done'}: ${result.sweep.records.length} answers in ${(result.sweepMs / 1000).toFixed(1)} s on ${result.device}.`;
    render(result);
  } catch (err) {
    status.textContent = 'Failed.';
    showError(err instanceof Error ? err.message : String(err));
  } finally {
    running = undefined;
    runButton.disabled = false;
    stopButton.disabled = true;
  }
}

function series(rows: SweepRow[], y: (r: SweepRow) => number): ChartSeries[] {
  const byVariant = new Map<string, Array<[number, number]>>();
  for (const r of rows) byVariant.set(r.variant, [...(byVariant.get(r.variant) ?? []), [r.tokens, y(r)]]);
  return [...byVariant].map(([name, points]) => ({ name, points }));
}

function render(result: ExperimentResult): void {
  $('results').hidden = false;
  const { rows } = result;
  $('accuracy-chart').innerHTML = lineChartSvg(series(rows, (r) => 100 * accuracy(r.all)), {
    title: 'Accuracy vs visual tokens',
    xLabel: 'visual tokens (mean per answer)',
    yLabel: 'accuracy %',
    logX: true,
    yRange: [0, 100],
  });
  $('latency-chart').innerHTML = lineChartSvg(series(rows, (r) => r.ttftMs), {
    title: 'Time to first token vs visual tokens',
    xLabel: 'visual tokens (mean per answer)',
    yLabel: 'median ms',
    logX: true,
  });
  const types = questionTypes(rows);
  const head = ['variant', 'budget', 'tokens', 'answers', 'all %', ...types.map((t) => `${t} %`), 'prefill ms', 'TTFT ms'];
  const cell = (tag: string, text: string) => Object.assign(document.createElement(tag), { textContent: text });
  const table = $<HTMLTableElement>('table');
  table.replaceChildren();
  table.createTHead().insertRow().append(...head.map((h) => cell('th', h)));
  const body = table.createTBody();
  const pct = (t: { correct: number; total: number } | undefined) => (t && t.total ? (100 * accuracy(t)).toFixed(1) : '-');
  for (const r of rows) {
    const tr = body.insertRow();
    tr.append(
      ...[r.variant, String(r.budget), r.tokens.toFixed(1), String(r.all.total), pct(r.all), ...types.map((t) => pct(r.byType[t])), r.prefillMs.toFixed(1), r.ttftMs.toFixed(1)].map(
        (t) => cell('td', t),
      ),
    );
  }
  $('summary').textContent = result.sweep.maskQuality
    .map((q) => `${q.model}: mean best IoU ${q.meanBestIoU.toFixed(3)} over ${q.objects} objects`)
    .join('; ');
}

function download(name: string, type: string, text: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  if (!running) void run();
});
stopButton.addEventListener('click', () => running?.abort());
evalUrl.addEventListener('change', () => void describeSet());
$('export-csv').addEventListener('click', () => last && download('sweep.csv', 'text/csv', sweepCsv(last.sweep.records)));
$('export-json').addEventListener('click', () => last && download('sweep.json', 'application/json', JSON.stringify(last, null, 1)));

await Promise.all([discoverModels(), describeSet()]);
document.body.dataset.ready = 'true';
