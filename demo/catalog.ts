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

/** Ablations of the training recipe (issue 5), each trained with one switch flipped. */
export const ABLATION_MODELS: readonly CatalogModel[] = [
  { manifest: 'models/shapesworld/manifest-patch-only.json', label: 'patch-only model', policy: 'patch-only' },
  { manifest: 'models/shapesworld/manifest-no-norm-scale.json', label: 'no norm scaling', policy: 'balanced' },
  { manifest: 'models/shapesworld/manifest-no-oversample.json', label: 'no oversampling', policy: 'balanced' },
];

/** Folder of the shipped evaluation set (questions.json, masks.json, images/) relative to the site root. */
export const SHAPESWORLD_EVAL = 'eval/shapesworld/';

/** Budgets of the paper's configurations, plus every token. */
export const PAPER_BUDGETS = 'full,57,42,29,15';
