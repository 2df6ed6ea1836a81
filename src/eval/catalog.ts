/**
 * The ShapesWorld models and evaluation set this repository ships under public/ (served at the
 * site root), with the token policy each model was trained for. The experiment page and
 * `npm run eval` both read this list; ablations that were not shipped are simply absent.
 */
import type { PlanPolicy } from '../tokens/plan.ts';

/** A shipped model. */
export interface CatalogModel {
  /** Folder under public/models/. */
  dir: string;
  /** Label in tables and charts. */
  label: string;
  /** The policy its training matches (ablations); the main model takes any. */
  policy: PlanPolicy;
}

/** The trained default model. */
export const MAIN_MODEL: CatalogModel = { dir: 'shapesworld', label: 'shapesworld', policy: 'balanced' };

/** Ablations of the training recipe (issue 5), each trained with one switch flipped. */
export const ABLATION_MODELS: readonly CatalogModel[] = [
  { dir: 'shapesworld-patch-only', label: 'patch-only model', policy: 'patch-only' },
  { dir: 'shapesworld-no-norm-scale', label: 'no norm scaling', policy: 'balanced' },
  { dir: 'shapesworld-no-oversample', label: 'no oversampling', policy: 'balanced' },
];

/** Path of a shipped model's folder relative to the site root (public/ in the repository). */
export function modelPath(m: CatalogModel): string {
  return `models/${m.dir}/`;
}

/** Path of the shipped evaluation set's index relative to the site root. */
export const SHAPESWORLD_EVAL = 'eval/shapesworld/index.json';

/** Budgets of the paper's configurations, plus every token. */
export const PAPER_BUDGETS = 'full,57,42,29,15';
