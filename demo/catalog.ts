/**
 * The ShapesWorld models and evaluation set this repository ships under public/ (served at the
 * site root), with the token policy each model was trained for. The experiment page and
 * `npm run eval` both read this list; ablations that were not shipped are simply absent.
 * Ablations share the main model's folder (encoder, segmenter, tokenizer) through their own
 * manifest-<name>.json (training/README.md, "Package").
 */
import type { PlanPolicy } from 'mask-llava-web';

/** A shipped model. */
export interface CatalogModel {
  /** Manifest path relative to the site root (public/ in the repository). */
  manifest: string;
  /** Label in tables and charts. */
  label: string;
  /** The policy its training matches (ablations); the main model takes any. */
  policy: PlanPolicy;
}

/** The trained default model. */
export const MAIN_MODEL: CatalogModel = { manifest: 'models/shapesworld/manifest.json', label: 'shapesworld', policy: 'balanced' };

/**
 * The v2 recipe's main model (the previously shipped default) and its ablations, each trained with
 * one switch of that recipe flipped; absent ones are skipped. The shipped main model is the v3
 * recipe (training/README.md), so an ablation is compared with V2_MODEL, not with it.
 */
export const V2_MODEL: CatalogModel = { manifest: 'models/shapesworld/manifest-v2.json', label: 'v2 recipe', policy: 'balanced' };
export const ABLATION_MODELS: readonly CatalogModel[] = [
  V2_MODEL,
  { manifest: 'models/shapesworld/manifest-patch-only.json', label: 'patch-only model (v2 recipe)', policy: 'patch-only' },
  { manifest: 'models/shapesworld/manifest-no-norm-scale.json', label: 'no norm scaling (v2 recipe)', policy: 'balanced' },
  { manifest: 'models/shapesworld/manifest-no-oversample.json', label: 'no oversampling (v2 recipe)', policy: 'balanced' },
  // Ours, beyond the paper: object tokens plus a box embedding (docs/composition.md).
  { manifest: 'models/shapesworld/manifest-object-pos.json', label: 'object position (ours, v2 recipe)', policy: 'balanced' },
];

/** Folder of the shipped evaluation set (questions.json, masks.json, images/) relative to the site root. */
export const SHAPESWORLD_EVAL = 'eval/shapesworld/';

/**
 * Every token, the paper's headline budget 57, and budgets that cut this model's full ~149-165
 * tokens by the paper's ratios: 15 (~10x, as 576 -> 57) and 4 (~38x, as 576 -> 15).
 */
export const PAPER_BUDGETS = 'full,57,29,15,4';

/** A model the demo's picker offers. */
export interface DemoModel {
  /** The `?pick=` value. */
  id: string;
  /** The picker's label: what it is, where it comes from, how big. */
  label: string;
  /** A model package (manifest path relative to the site root) or published repos by id. */
  source: { manifest: string } | { vlm: string; segmenter: string };
}

/**
 * The picker's entries. Sizes: the embedded package's files; for the Hub pair the published files
 * at the SDK's default dtypes (WASM: vision q8 405 MB + decoder q4 308 MB + embeddings q8 156 MB +
 * SlimSAM q8 14 MB; WebGPU with shader-f16: vision fp16 801 MB + decoder q4f16 270 MB + embeddings
 * q8 156 MB + SlimSAM fp32 40 MB), from the repos' file lists (shared/PLATFORM.md).
 */
export const DEMO_MODELS: readonly DemoModel[] = [
  { id: 'shapesworld', label: 'ShapesWorld, embedded, 10 MB', source: { manifest: MAIN_MODEL.manifest } },
  {
    id: 'nanollava',
    label: 'nanoLLaVA-1.5 + SlimSAM-77, real photos, ~0.9-1.3 GB from the Hub, approximate',
    source: { vlm: 'onnx-community/nanoLLaVA-1.5', segmenter: 'Xenova/slimsam-77-uniform' },
  },
];
