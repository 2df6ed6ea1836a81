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
export { MANIFEST_VERSION, type ModelManifest, type ManifestFile, type BudgetPreset, type EncoderPreprocess, type SegmenterPreprocess } from './models/manifest.ts';
