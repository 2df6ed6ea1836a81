/** mask-llava-web: Mask-LLaVA-style vision-language inference in the browser. */
export {
  MaskLlavaError,
  InvalidArgumentError,
  BudgetError,
  DimensionError,
  EmptyMaskError,
  ImageDecodeError,
  ManifestError,
  ModelFileMissingError,
  IntegrityError,
  NoWebGPUError,
  SessionError,
  WorkerCrashedError,
  DisposedError,
  ReleasedError,
  type ErrorCode,
} from './errors.ts';
export {
  MANIFEST_VERSION,
  type ModelManifest,
  type ManifestFile,
  type BudgetPreset,
  type EncoderPreprocess,
  type SegmenterPreprocess,
  type ResampleMode,
  type HubSourceInfo,
} from './models/manifest.ts';
export { DEFAULT_HUB_HOST, type HubModelSource } from './models/hub-location.ts';
export { DTYPE_SUFFIX, defaultDtypes, type Dtype, type DtypeOption, type HubComponent, type ComponentDtypes, type DeviceCaps } from './models/dtype.ts';

// Pure helpers: masks (bit-packed, IoU, pruning, coverage on the patch grid).
export { type BitMask, maskFromDense, maskFromBits, maskToDense, resampleToMask } from './masks/bitmask.ts';
export { maskIoU } from './masks/iou.ts';
export { pruneMasks, type PruneOptions, type PruneResult } from './masks/prune.ts';
export { maskCoverage } from './masks/coverage.ts';

// Pure helpers: visual-token composition (docs/composition.md).
export { poolPatches } from './tokens/pool.ts';
export { poolMask } from './tokens/pool-mask.ts';
export { normScale, patchStatistics, type NormScaleMode, type PatchStatistics } from './tokens/norm-scale.ts';
export {
  planTokens,
  planImage,
  POLICY_LABELS,
  SWEEP_POLICIES,
  type PlanPolicy,
  type TokenPlan,
  type TokenSplit,
  type ExplicitSplit,
  type PlanTokensOptions,
  type PlanImageOptions,
} from './tokens/plan.ts';
export { REDUCERS, reducePatches, type ReducerName, type Reduction } from './tokens/reduce/index.ts';
export { addObjectPosition, objectPositionEmbedding, OBJECT_POSITION_SCALE, type ObjectPositionMode } from './tokens/object-position.ts';
export { composeVisualTokens, TokenKind, type TokenKindCode, type ComposedTokens } from './tokens/layout.ts';
export { tokenNorms, type TokenNorms } from './tokens/token-norms.ts';

// Model packages: manifest validation and file integrity (docs/model-format.md).
export { parseManifest } from './models/parse.ts';
export { approximateReason } from './models/approximate.ts';
export { verifyFile, sha256Hex } from './models/verify.ts';

// Images: decoding what a web app has, and preprocessing to pixel_values.
export { decodeImage, type ImageInput, type RGBAImage, type DecodeOptions } from './image/decode.ts';
export { preprocessForEncoder, preprocessForSegmenter, type EncoderPixels, type SegmenterPixels } from './image/preprocess.ts';

// The runtime: a worker hosts the sessions; the main thread plans and streams.
export { MaskLlava } from './client.ts';
export { EncodedImage, type EncodeTimings } from './encoded-image.ts';
export type { LoadOptions, HubLoadOptions, LoadProgressEvent, EncodeOptions, GenerateOptions, Generation } from './client-options.ts';
export type { AmgSettings, Box, Device, DevicePreference, GenerateUsage } from './worker/protocol.ts';
export { MODEL_CACHE_NAME } from './models/fetch.ts';
export type { FileProgressEvent, FileSource } from './models/progress.ts';

// Experiments: token-budget sweeps over an evaluation set (the experiment page, `npm run eval`).
export {
  runSweep,
  type SweepOptions,
  type SweepVariant,
  type SweepItem,
  type SweepQuestion,
  type SweepProgress,
  type SweepRecord,
  type SweepResult,
  type MaskQuality,
} from './eval/sweep.ts';
export { parseBudgets, resolveBudget, type SweepBudget } from './eval/budget.ts';
export { isCorrect } from './eval/answer.ts';
export { runExperiment, type ExperimentConfig, type ExperimentModel, type ExperimentProgress, type ExperimentResult } from './eval/experiment.ts';
export { loadEvalSet } from './eval/dataset.ts';
export { parseShard, shardItems, mergeExperiments, type Shard } from './eval/shard.ts';
export { summariseSweep, sweepTable, sweepCsv, accuracy, questionTypes, wilsonInterval, type SweepRow, type SweepTableOptions, type Tally } from './eval/summary.ts';
export { meanBestIoU, type BestIoU } from './eval/mask-quality.ts';
export { lineChartSvg, type ChartSeries, type ChartOptions } from './eval/chart.ts';
