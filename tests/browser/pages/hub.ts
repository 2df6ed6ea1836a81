// The published-repo test page: loads Hub-layout repos by id through the SDK (from the local Hub
// mirror) and runs plain mode, every image token fed as transformers.js feeds it.
import * as sdk from '../../../src/index.ts';

/** What a plain-mode run reports. */
export interface PlainRun {
  device: sdk.Device;
  dtypes: sdk.ComponentDtypes | undefined;
  /** Greedy token ids, stop token excluded. */
  tokenIds: number[];
  visualTokens: number;
  bytes: number;
  sources: string[];
}

let opened: sdk.MaskLlava | undefined;

/** Loads `source` and keeps it for {@link answer}; returns the bytes loaded. */
async function open(source: sdk.HubLoadOptions): Promise<number> {
  await opened?.dispose();
  opened = await sdk.MaskLlava.load({ ...source, cacheName: null });
  return opened.loadInfo.bytes;
}

/**
 * Encodes `image` with the model {@link open} loaded and answers `question` greedily in plain
 * mode: the plan is every patch token, in grid order, no CLS and no objects.
 */
async function answer(question: string, maxNewTokens: number, image: ImageData): Promise<PlainRun> {
  const vlm = opened;
  if (!vlm) throw new Error('open() a model first');
  // Plain mode needs no masks: the encoder alone (SAM at 1024 px is most of an encode).
  const img = await vlm.encode(image, { segment: false });
  const [gh, gw] = vlm.manifest.encoder.grid;
  const plan = img.plan({ budget: gh * gw, policy: 'patch-only' });
  const usage = await vlm.generate(img, question, { plan, maxNewTokens }).usage;
  img.release();
  return {
    device: vlm.device,
    dtypes: vlm.manifest.source?.dtypes,
    tokenIds: usage.tokenIds,
    visualTokens: usage.visualTokens.total,
    bytes: vlm.loadInfo.bytes,
    sources: Object.keys(vlm.loadInfo.sources),
  };
}

/** Disposes the model {@link open} loaded. */
async function close(): Promise<void> {
  await opened?.dispose();
  opened = undefined;
}

/** {@link open}, {@link answer}, {@link close}. */
async function plain(source: sdk.HubLoadOptions, question: string, maxNewTokens: number, image: ImageData): Promise<PlainRun> {
  await open(source);
  try {
    return await answer(question, maxNewTokens, image);
  } finally {
    await close();
  }
}

/** Masks of one automatic-mask-generation run, with what is needed to redo it elsewhere. */
export interface MaskRun {
  device: sdk.Device;
  masks: Array<{ bits: number[]; score: number; area: number }>;
  /** The encoder's frame in original-image pixels. */
  frame: sdk.Box;
  maskResolution: number;
  /** The segmenter's padded input side. */
  padSize: number;
}

/** Loads `source` and runs AMG on `image` with `amg`: the masks our segmenter path produces. */
async function masks(source: sdk.HubLoadOptions, image: ImageData, amg: Partial<sdk.AmgSettings>): Promise<MaskRun> {
  const vlm = await sdk.MaskLlava.load({ ...source, cacheName: null });
  try {
    const img = await vlm.encode(image, { amg });
    return {
      device: vlm.device,
      masks: img.masks.map((m) => ({ bits: Array.from(m.bits), score: m.score, area: m.area })),
      frame: img.frame,
      maskResolution: vlm.manifest.tokens.maskResolution,
      padSize: vlm.manifest.segmenter.preprocess.padSize,
    };
  } finally {
    await vlm.dispose();
  }
}

/** One budget of a {@link budgets} run: the plan and what the worker actually fed the LLM. */
export interface BudgetRun {
  budget: number;
  plan: { cls: number; grid: [number, number]; objects: number; total: number };
  visualTokens: { cls: number; patch: number; object: number; total: number };
  /** Greedy token ids, stop token excluded. */
  tokenIds: number[];
}

/**
 * Loads `source`, encodes `image` with one segmenter prompt per box (each mask is clipped to its
 * box, so disjoint boxes give masks that survive IoU pruning) and answers `question` at each
 * budget with the default three-kinds plan: approximate Mask-LLaVA on a published VLM.
 */
async function budgets(source: sdk.HubLoadOptions, image: ImageData, boxes: sdk.Box[], question: string, list: number[]) {
  const vlm = await sdk.MaskLlava.load({ ...source, cacheName: null });
  try {
    const img = await vlm.encode(image, { boxes });
    const runs: BudgetRun[] = [];
    for (const budget of list) {
      const plan = img.plan({ budget });
      const usage = await vlm.generate(img, question, { plan, maxNewTokens: 3 }).usage;
      runs.push({ budget, plan: { cls: plan.cls, grid: plan.grid, objects: plan.objects, total: plan.total }, visualTokens: usage.visualTokens, tokenIds: usage.tokenIds });
    }
    return { device: vlm.device, approximate: vlm.approximate, grid: vlm.manifest.encoder.grid, masks: img.masks.length, runs };
  } finally {
    await vlm.dispose();
  }
}

const helpers = { open, answer, close, plain, masks, budgets };

/** What a test sees on `window` in page.evaluate. */
export type HubWindow = Window & { sdk: typeof sdk; helpers: typeof helpers; ready: boolean };

Object.assign(window, { sdk, helpers, ready: true });
