/**
 * Download progress over a whole load: one event type for callers, and the counter that sums
 * per-file bytes into totals that are known up front and never go backwards.
 */

/** Where the bytes of a file come from. */
export type FileSource = 'network' | 'cache';

/** A download progress event; `loaded` and `total` count bytes over all files of the load. */
export interface FileProgressEvent {
  /** 'initiate' before a file's first byte, 'progress' per chunk, 'done' once its bytes are verified. */
  status: 'initiate' | 'progress' | 'done';
  /** Path of the file, relative to the manifest. */
  file: string;
  /** Whether the bytes come from the Cache API or the network. */
  source: FileSource;
  /** Bytes received over all files so far; never decreases and ends at `total`. */
  loaded: number;
  /** Bytes of all files of the load, summed from the manifest up front. */
  total: number;
  /** Bytes of this file received so far. */
  fileLoaded: number;
  /** Size of this file from the manifest. */
  fileTotal: number;
}

/** Sums per-file progress into one monotonic counter over the whole load. */
export class ProgressTotals {
  readonly #perFile = new Map<string, number>();
  #loaded = 0;
  #closed = false;
  /** Highest `loaded` reported, so a re-fetched file never makes the figure go backwards. */
  #reported = 0;

  constructor(
    readonly total: number,
    readonly listener: ((event: FileProgressEvent) => void) | undefined,
  ) {}

  emit(status: FileProgressEvent['status'], file: string, source: FileSource, fileLoaded: number, fileTotal: number): void {
    this.#loaded += fileLoaded - (this.#perFile.get(file) ?? 0);
    this.#perFile.set(file, fileLoaded);
    this.#reported = Math.max(this.#reported, Math.min(this.#loaded, this.total));
    if (this.#closed) return;
    this.listener?.({ status, file, source, loaded: this.#reported, total: this.total, fileLoaded, fileTotal });
  }

  /** Stops reporting: the load has failed, and nothing may follow its rejection. */
  close(): void {
    this.#closed = true;
  }

  /** Forgets what `file` contributed (a cached copy that failed verification is fetched again). */
  rewind(file: string): void {
    this.#loaded -= this.#perFile.get(file) ?? 0;
    this.#perFile.delete(file);
  }
}
