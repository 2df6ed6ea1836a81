/**
 * Typed errors. Every error the SDK raises is a {@link MaskLlavaError} with a stable `code` and a
 * message that says what to do instead. They are plain data ({name, code, message, details}) so
 * they can be rebuilt with their class on the other side of the worker boundary.
 */

/** Stable machine-readable error codes. */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_BUDGET'
  | 'DIMENSION_MISMATCH'
  | 'EMPTY_MASK'
  | 'IMAGE_DECODE'
  | 'MANIFEST_INVALID'
  | 'MODEL_FILE_MISSING'
  | 'INTEGRITY'
  | 'NO_WEBGPU'
  | 'SESSION'
  | 'WORKER_CRASHED'
  | 'DISPOSED'
  | 'RELEASED';

/** Base class of every error raised by mask-llava-web. */
export class MaskLlavaError extends Error {
  /** Stable code for programmatic handling. */
  readonly code: ErrorCode;
  /** Extra structured context (field names, sizes, URLs). */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** A caller passed a value of the wrong kind or range. */
export class InvalidArgumentError extends MaskLlavaError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('INVALID_ARGUMENT', message, details);
  }
}

/** A token budget that is not a positive integer, or a plan that does not fit its budget. */
export class BudgetError extends MaskLlavaError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('INVALID_BUDGET', message, details);
  }
}

/** Arrays whose sizes disagree (feature dims, grid sizes, mask resolutions). */
export class DimensionError extends MaskLlavaError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('DIMENSION_MISMATCH', message, details);
  }
}

/** A mask that covers no patch cell, so it has no embedding. */
export class EmptyMaskError extends MaskLlavaError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('EMPTY_MASK', message, details);
  }
}

/** An image that cannot be decoded (corrupt bytes, unsupported type, zero size). */
export class ImageDecodeError extends MaskLlavaError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('IMAGE_DECODE', message, details);
  }
}

/** A model manifest that is malformed, of an unknown version, or inconsistent. */
export class ManifestError extends MaskLlavaError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('MANIFEST_INVALID', message, details);
  }
}

/** A model file that could not be fetched. */
export class ModelFileMissingError extends MaskLlavaError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('MODEL_FILE_MISSING', message, details);
  }
}

/** A model file whose bytes do not match the manifest's size or sha256. */
export class IntegrityError extends MaskLlavaError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('INTEGRITY', message, details);
  }
}

/** WebGPU was required (device: 'webgpu') but no adapter is available. */
export class NoWebGPUError extends MaskLlavaError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('NO_WEBGPU', message, details);
  }
}

/** An ONNX Runtime session failed to create or run. */
export class SessionError extends MaskLlavaError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('SESSION', message, details);
  }
}

/** The inference worker died; the instance must be reloaded or recovers on the next call. */
export class WorkerCrashedError extends MaskLlavaError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('WORKER_CRASHED', message, details);
  }
}

/** A call on an instance after dispose(). */
export class DisposedError extends MaskLlavaError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('DISPOSED', message, details);
  }
}

/** A call on an encoded image after release(). */
export class ReleasedError extends MaskLlavaError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('RELEASED', message, details);
  }
}

const byCode: Record<ErrorCode, new (message: string, details?: Record<string, unknown>) => MaskLlavaError> = {
  INVALID_ARGUMENT: InvalidArgumentError,
  INVALID_BUDGET: BudgetError,
  DIMENSION_MISMATCH: DimensionError,
  EMPTY_MASK: EmptyMaskError,
  IMAGE_DECODE: ImageDecodeError,
  MANIFEST_INVALID: ManifestError,
  MODEL_FILE_MISSING: ModelFileMissingError,
  INTEGRITY: IntegrityError,
  NO_WEBGPU: NoWebGPUError,
  SESSION: SessionError,
  WORKER_CRASHED: WorkerCrashedError,
  DISPOSED: DisposedError,
  RELEASED: ReleasedError,
};

/** Plain-data form of an error, as it crosses the worker boundary. */
export interface SerializedError {
  name: string;
  code?: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** Turns any thrown value into plain data that structured clone keeps intact. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof MaskLlavaError) {
    return { name: err.name, code: err.code, message: err.message, details: err.details };
  }
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

/** Rebuilds an error with its class: MaskLlavaError subclasses by code, AbortError as DOMException. */
export function deserializeError(data: SerializedError): Error {
  if (data.code && data.code in byCode) return new byCode[data.code](data.message, data.details);
  if (data.name === 'AbortError') return new DOMException(data.message, 'AbortError');
  const err = new Error(data.message);
  err.name = data.name;
  return err;
}

/** The signal's reason as an Error: a DOMException named AbortError unless the caller gave one. */
export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('the operation was aborted', 'AbortError');
}
