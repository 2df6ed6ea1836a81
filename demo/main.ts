/**
 * The demo page: loads the model with a progress bar, encodes an image once, re-plans the visual
 * tokens on the main thread on every slider move, draws them on the image and streams answers.
 */
import {
  MaskLlava,
  MODEL_CACHE_NAME,
  ModelFileMissingError,
  type DevicePreference,
  type EncodedImage,
  type LoadProgressEvent,
  type ModelManifest,
  type RGBAImage,
  type TokenPlan,
  decodeImage,
  resolveBudget,
} from 'mask-llava-web';
import { DEMO_MODELS } from './catalog.ts';
import { AnswerPanel } from './answers.ts';
import { button, setText } from './dom.ts';
import { readConfig } from './config.ts';
import { errorMessage, formatBytes, formatMs } from './format.ts';
import { watchImageInputs } from './image-input.ts';
import { TokenOverlay } from './overlay.ts';
import { type SampleQuestion, fetchSample, loadSamples, renderSamples } from './samples.ts';
import { breakdownText, TokenStrip } from './token-strip.ts';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`demo page is missing #${id}`);
  return el as T;
};

const ui = {
  error: $('error'),
  loading: $('loading'),
  progressBar: $<HTMLProgressElement>('progress-bar'),
  progressText: $('progress-text'),
  device: $('device'),
  deviceWhy: $('device-why'),
  loadInfo: $('load-info'),
  modelName: $('model-name'),
  picker: $<HTMLSelectElement>('model-picker'),
  cancelLoad: $<HTMLButtonElement>('cancel-load'),
  clearCache: $<HTMLButtonElement>('clear-cache'),
  cacheStatus: $('cache-status'),
  approximate: $('approximate'),
  app: $('app'),
  stage: $('stage'),
  canvas: $<HTMLCanvasElement>('overlay'),
  tokenLayer: $('token-layer'),
  stageEmpty: $('stage-empty'),
  stageBusy: $('stage-busy'),
  clsBadge: $('cls-badge'),
  clsNorm: $('cls-norm'),
  imageInfo: $('image-info'),
  file: $<HTMLInputElement>('file'),
  samples: $('samples'),
  budget: $<HTMLInputElement>('budget'),
  budgetValue: $<HTMLOutputElement>('budget-value'),
  presets: $('presets'),
  policy: $<HTMLSelectElement>('policy'),
  iou: $<HTMLInputElement>('iou'),
  iouValue: $<HTMLOutputElement>('iou-value'),
  breakdown: $('breakdown'),
  strip: $('strip'),
  form: $<HTMLFormElement>('ask-form'),
  question: $<HTMLInputElement>('question'),
  ask: $<HTMLButtonElement>('ask'),
  stop: $<HTMLButtonElement>('stop'),
  compare: $<HTMLInputElement>('compare'),
  answers: $('answers'),
  suggestions: $('suggestions'),
};

const config = readConfig(location.href);
const overlay = new TokenOverlay(ui.canvas, ui.tokenLayer);
const answers = new AnswerPanel(ui.answers);
const strip = new TokenStrip(ui.strip);
let vlm: MaskLlava | null = null;
let image: EncodedImage | null = null;
let plan: TokenPlan | null = null;
let encoding: AbortController | null = null;
/** Questions with known answers about the image on screen (sample scenes only). */
let known: SampleQuestion[] = [];

/** Shows a readable message instead of failing silently; `null` hides it. */
function showError(message: string | null): void {
  ui.error.hidden = message === null;
  ui.error.textContent = message ?? '';
}
window.addEventListener('error', (e) => showError(errorMessage(e.error ?? e.message)));
window.addEventListener('unhandledrejection', (e) => showError(errorMessage(e.reason)));

/** The picker: choosing an entry reloads the page with `?pick=` (other parameters kept). */
function setupPicker(): void {
  ui.picker.replaceChildren(
    ...DEMO_MODELS.map((m) => {
      const option = new Option(m.label, m.id, false, m.id === config.pick?.id);
      return option;
    }),
    ...(config.pick ? [] : [new Option('a model from ?model=', '', false, true)]),
  );
  ui.picker.addEventListener('change', () => {
    const url = new URL(location.href);
    url.searchParams.delete('model');
    url.searchParams.set('pick', ui.picker.value);
    location.assign(url.href);
  });
  ui.clearCache.addEventListener('click', () => void clearCachedModels());
}

/** Deletes every cached model file (the Cache API bucket the SDK uses) and says how much was freed. */
async function clearCachedModels(): Promise<void> {
  const before = (await navigator.storage?.estimate?.())?.usage;
  const deleted = await caches.delete(MODEL_CACHE_NAME);
  const after = (await navigator.storage?.estimate?.())?.usage;
  const freed = before !== undefined && after !== undefined ? ` (${formatBytes(Math.max(0, before - after))} freed)` : '';
  ui.cacheStatus.textContent = deleted ? `Cached models cleared${freed}; the next load downloads again.` : 'No cached models.';
}

/** Loads what the URL asks for: the embedded package, a manifest URL or published repos by id. */
function loadModel(signal: AbortSignal): Promise<MaskLlava> {
  const common = { device: config.device as DevicePreference, signal, onProgress: showProgress };
  const s = config.source;
  if ('manifestUrl' in s) return MaskLlava.load(s.manifestUrl, common);
  return MaskLlava.load({ vlm: s.vlm, segmenter: s.segmenter, ...(s.host ? { host: s.host } : {}), ...common });
}

function showProgress(p: LoadProgressEvent): void {
  ui.progressBar.max = p.total || 1;
  ui.progressBar.value = p.loaded;
  ui.progressText.textContent =
    p.status === 'ready'
      ? `Loaded ${formatBytes(p.total)}, starting…`
      : `Loading model: ${formatBytes(p.loaded)} of ${formatBytes(p.total)} (${p.file}${p.source === 'cache' ? ', from cache' : ''})`;
}

/**
 * Where the load's time went, in the worker: ONNX Runtime's start-up (while the files arrive),
 * waiting for files (manifest, tokenizer and each model file not yet in hand) and creating
 * sessions. The data attributes carry the exact figures for the cold-start benchmark.
 */
function showLoadInfo(m: MaskLlava): void {
  const { bytes, fetchMs, runtimeMs, sessionMs, sources } = m.loadInfo;
  const cached = Object.values(sources).every((s) => s === 'cache');
  ui.loadInfo.textContent = `Model ${cached ? 'read from the cache' : 'downloaded'} (${formatBytes(bytes)}): runtime started in ${formatMs(runtimeMs)} while waiting for files ${formatMs(fetchMs)}, creating sessions ${formatMs(sessionMs)}.`;
  Object.assign(ui.loadInfo.dataset, { fetchMs: String(fetchMs), runtimeMs: String(runtimeMs), sessionMs: String(sessionMs) });
}

/** What to do about a failed load, in the user's terms. */
function loadFailure(err: unknown): string {
  const where = 'manifestUrl' in config.source ? config.source.manifestUrl : `${config.source.vlm} + ${config.source.segmenter} from ${config.source.host ?? 'the Hugging Face Hub'}`;
  const name = err instanceof Error ? err.name : '';
  if (name === 'AbortError') return 'Loading was cancelled. Reload the page or pick a model to try again.';
  if (name === 'QuotaExceededError' || /quota/i.test(String(err))) {
    return `The browser has no room to store ${where}: free space (Clear cached models, or site data in the browser settings) and reload.`;
  }
  if (err instanceof ModelFileMissingError) return `${errorMessage(err)} Check your connection or the host (?host= points at a mirror), then reload.`;
  return `The model failed to load from ${where}: ${errorMessage(err)}`;
}

async function boot(): Promise<void> {
  setupPicker();
  const cancel = new AbortController();
  ui.cancelLoad.hidden = false;
  ui.cancelLoad.addEventListener('click', () => cancel.abort(), { once: true });
  // The sample list and the first sample's image download, and that image decodes, while the model loads.
  const samplesReady = loadSamples(config.samplesUrl);
  const firstImage = samplesReady.then((list) => (list[0] ? fetchSample(list[0]) : undefined));
  firstImage.catch(() => undefined); // awaited after the load: a failure must not go unhandled meanwhile
  // A sample that does not decode is encoded from its bytes, whose typed error the page then shows.
  const firstDecoded = firstImage.then((blob) => (blob ? decodeSample(blob) : undefined)).catch(() => undefined);
  try {
    // A large download should survive storage pressure: ask before it starts (browsers may decline).
    if (!('manifestUrl' in config.source)) await navigator.storage?.persist?.();
    vlm = await loadModel(cancel.signal);
  } catch (err) {
    ui.cancelLoad.hidden = true;
    ui.loading.classList.add('failed');
    ui.progressText.textContent = loadFailure(err);
    ui.device.textContent = 'not loaded';
    return;
  }
  ui.cancelLoad.hidden = true;
  if (vlm.approximateReason) {
    ui.approximate.hidden = false;
    ui.approximate.textContent = `Approximate Mask-LLaVA: ${vlm.approximateReason}`;
  }
  ui.device.textContent = vlm.device === 'webgpu' ? 'WebGPU' : 'WASM';
  ui.device.dataset.device = vlm.device;
  ui.deviceWhy.textContent = vlm.deviceReason;
  ui.device.title = vlm.deviceReason;
  ui.modelName.textContent = vlm.manifest.name;
  showLoadInfo(vlm);
  ui.loading.hidden = true;
  ui.app.classList.remove('inactive');
  setupPlanner(vlm.manifest);
  watchImageInputs(ui.file, ui.stage, (blob, name) => {
    void showImage(blob, name).then((shown) => {
      // Only once the new image is on screen: a failed upload leaves the old one, and its sample.
      if (!shown) return;
      for (const b of ui.samples.querySelectorAll('.sample.active')) b.classList.remove('active');
      showSuggestions([]);
    });
  });
  try {
    const samples = await samplesReady;
    const pick = renderSamples(ui.samples, samples, async (s) => {
      try {
        const first = s === samples[0];
        const blob = first ? await firstImage : await fetchSample(s);
        const shown = await showImage(blob!, s.name, first ? await firstDecoded : undefined);
        if (shown) showSuggestions(s.questions);
        return shown;
      } catch (err) {
        showError(`Could not fetch the sample ${s.name}: ${errorMessage(err)}`);
        return false;
      }
    });
    if (samples[0]) await pick(samples[0]);
  } catch (err) {
    ui.samples.textContent = `No sample scenes (${errorMessage(err)}): drop, paste or choose an image.`;
  }
}

function setupPlanner(manifest: ModelManifest): void {
  const presets = manifest.tokens.presets;
  ui.presets.replaceChildren(
    ...presets.map((p) => {
      const b = button('preset', p.name, () => {
        ui.budget.value = String(p.budget);
        if (p.policy) ui.policy.value = p.policy;
        replan();
      });
      b.dataset.budget = String(p.budget);
      return b;
    }),
  );
  // Start where generate() does without a plan: the model's default budget.
  ui.budget.value = String(manifest.tokens.defaultBudget);
  ui.budget.addEventListener('input', replan);
  ui.policy.addEventListener('input', replan);
  ui.iou.addEventListener('input', replan);
}

/** Every token the model can see for this image at the current pruning threshold. */
function allTokensPlan(img: EncodedImage, manifest: ModelManifest): TokenPlan {
  return img.plan({ budget: resolveBudget('full', 'balanced', manifest.encoder.grid, img.masks.length), iouThreshold: Number(ui.iou.value) });
}

/** Offers a sample's questions as one-click suggestions. */
function showSuggestions(questions: SampleQuestion[]): void {
  known = questions;
  ui.suggestions.replaceChildren(
    ...questions.map((q) =>
      button('suggestion', q.question, () => {
        ui.question.value = q.question;
        ui.form.requestSubmit();
      }),
    ),
  );
}

/** The CLS badge: its norm as encoded and after scaling to the patch tokens' statistics. */
function showClsNorms(img: EncodedImage, manifest: ModelManifest): void {
  const { cls, clsScaled, patchMean } = img.norms;
  ui.clsNorm.textContent = manifest.tokens.normScale === 'none' ? `‖x‖ ${cls.toFixed(1)} (not scaled)` : `‖x‖ ${cls.toFixed(1)} → ${clsScaled.toFixed(1)}`;
  ui.clsBadge.title = `The CLS token, one global summary of the image. L2 norm as encoded: ${cls.toFixed(2)}; after norm scaling (${manifest.tokens.normScale}): ${clsScaled.toFixed(2)}; mean patch-token norm: ${patchMean.toFixed(2)}.`;
}

/** What the preset labels and the "of N" total were computed for. */
let presetsFor: { image: EncodedImage | null; key: string; all: number } = { image: null, key: '', all: 0 };

function replan(): void {
  const iouThreshold = Number(ui.iou.value);
  // An output's value setter replaces its text even when unchanged, which costs a layout per step.
  setText(ui.iouValue, iouThreshold.toFixed(2));
  setText(ui.budgetValue, ui.budget.value);
  if (!image || !vlm) return;
  let next: TokenPlan;
  try {
    next = image.plan({ budget: Number(ui.budget.value), policy: ui.policy.value as TokenPlan['policy'], iouThreshold });
  } catch (err) {
    setText(ui.breakdown, errorMessage(err));
    return;
  }
  plan = next;
  const counts = { cls: next.cls, grid: next.grid, objects: next.maskIds };
  // The whole-image total and the preset labels do not depend on the budget: not per slider step.
  const key = `${iouThreshold} ${ui.policy.value}`;
  if (presetsFor.image !== image || presetsFor.key !== key) {
    presetsFor = { image, key, all: allTokensPlan(image, vlm.manifest).total };
    labelPresets(image, presetsFor.all, iouThreshold);
  }
  setText(ui.breakdown, breakdownText(counts, presetsFor.all));
  strip.show(counts);
  overlay.setPlan({ grid: next.grid, objects: next.maskIds, pruned: next.pruned });
  ui.clsBadge.classList.toggle('off', next.cls === 0);
}

/**
 * Labels each preset with the plan it buys on this image, e.g. "15 = 1+9+5 of 149": the split
 * depends on the image's masks, so a fixed label would be wrong for most images.
 */
function labelPresets(img: EncodedImage, all: number, iouThreshold: number): void {
  const policy = ui.policy.value as TokenPlan['policy'];
  for (const b of ui.presets.querySelectorAll<HTMLButtonElement>('.preset')) {
    const budget = Number(b.dataset.budget);
    try {
      const p = img.plan({ budget, policy, iouThreshold });
      const name = budget >= all ? 'full' : String(budget);
      b.textContent = `${name} = ${p.cls}+${p.grid[0] * p.grid[1]}+${p.objects} of ${all}`;
    } catch (err) {
      b.textContent = `${budget}: ${errorMessage(err)}`;
    }
  }
}

/** An image decoded ahead: its pixels for the encoder and a bitmap for the overlay. */
interface DecodedImage {
  pixels: RGBAImage;
  bitmap: ImageBitmap;
}

async function decodeSample(blob: Blob): Promise<DecodedImage> {
  const [pixels, bitmap] = await Promise.all([decodeImage(blob), createImageBitmap(blob)]);
  return { pixels, bitmap };
}

/** Encodes and shows an image (from `decoded` when it was decoded ahead); resolves true once it is on screen. */
async function showImage(blob: Blob, name: string, decoded?: DecodedImage): Promise<boolean> {
  if (!vlm) return false;
  showError(null);
  encoding?.abort();
  answers.stop();
  const controller = new AbortController();
  encoding = controller;
  ui.stageBusy.hidden = false;
  ui.stageEmpty.hidden = true;
  try {
    // Encode first: its typed error says what is wrong with a bad image.
    const encoded = await vlm.encode(decoded?.pixels ?? blob, { signal: controller.signal });
    const bitmap = decoded?.bitmap ?? (await createImageBitmap(blob));
    if (controller.signal.aborted) {
      encoded.release();
      return false;
    }
    image?.release();
    image = encoded;
    overlay.setImage(bitmap, encoded.frame, encoded.masks);
    showClsNorms(encoded, vlm.manifest);
    ui.budget.max = String(resolveBudget('full', 'balanced', vlm.manifest.encoder.grid, encoded.masks.length));
    const t = encoded.timings;
    ui.imageInfo.textContent = `${name}: ${encoded.width}x${encoded.height} · ${encoded.masks.length} masks · encode ${formatMs(t.encodeMs)} · segment ${formatMs(t.segmentMs)}`;
    Object.assign(ui.imageInfo.dataset, { decodeMs: String(t.decodeMs), preprocessMs: String(t.preprocessMs), encodeMs: String(t.encodeMs), segmentMs: String(t.segmentMs) });
    ui.ask.disabled = false;
    replan();
    return true;
  } catch (err) {
    if (!controller.signal.aborted) {
      ui.stageEmpty.hidden = image !== null;
      showError(`Could not use ${name}: ${errorMessage(err)}`);
    }
    return false;
  } finally {
    if (encoding === controller) {
      encoding = null;
      ui.stageBusy.hidden = true;
    }
  }
}

ui.form.addEventListener('submit', (e) => {
  e.preventDefault();
  const question = ui.question.value.trim();
  if (!vlm || !image || !plan || !question) return;
  showError(null); // a new question supersedes an earlier failure (answers report their own)
  const runs = [{ title: `${plan.total} tokens`, plan }];
  if (ui.compare.checked) {
    const full = allTokensPlan(image, vlm.manifest);
    runs.unshift({ title: `all ${full.total} tokens`, plan: full });
  }
  ui.stop.disabled = false;
  const expected = known.find((q) => q.question === question)?.answer;
  void answers.ask(vlm, image, question, runs, expected).finally(() => {
    ui.stop.disabled = true;
  });
});
ui.stop.addEventListener('click', () => answers.stop());

void boot();
