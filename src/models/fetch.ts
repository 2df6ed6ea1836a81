/**
 * Fetches the files of a model package: through the Cache API (a second load reads no network),
 * with byte-level progress whose totals come from the manifest before anything is downloaded, and
 * with size + sha256 checks on every file, cached or not.
 */
import { IntegrityError, abortReason } from '../errors.ts';
import { download, readCached } from './download.ts';
import type { ManifestFile } from './manifest.ts';
import { type FileProgressEvent, type FileSource, ProgressTotals } from './progress.ts';
import { verifyFile } from './verify.ts';

/** Cache API bucket that holds model files, keyed by absolute URL. */
export const MODEL_CACHE_NAME = 'mask-llava-web-models';

/** A file's bytes and where they came from. */
export interface FetchedFile {
  bytes: Uint8Array<ArrayBuffer>;
  source: FileSource;
}

/** Options of {@link fetchModelFiles} and {@link ModelDownloader}. */
export interface FetchFilesOptions {
  /** Cancels the downloads; the promise rejects with a DOMException named AbortError. */
  signal?: AbortSignal;
  /** Receives progress events (synchronously, from the fetching context). */
  onProgress?: (event: FileProgressEvent) => void;
  /**
   * Cache API bucket; `null` disables caching.
   * @defaultValue {@link MODEL_CACHE_NAME}
   */
  cacheName?: string | null;
  /** Receives problems that do not stop the load, e.g. a file that could not be cached (quota). */
  onWarning?: (message: string) => void;
  /** Absolute URLs of files that do not live under `baseUrl` (manifests derived from published repos). */
  urls?: Record<string, string>;
  /** Files already in hand (read while deriving a manifest): counted in the total, never fetched again. */
  prefetched?: ReadonlyMap<string, FetchedFile>;
}

/**
 * Downloads the files of one load in as many steps as the caller likes (e.g. one model file at a
 * time, so each file's bytes can be dropped once its session exists), with one progress counter
 * whose total covers every file of the load from the start. A cached copy that fails verification
 * is dropped and fetched again from the network. Throws ModelFileMissingError naming the URL for a
 * file that cannot be fetched (or whose connection drops), and IntegrityError naming the file when
 * bytes do not match. The first failure stops the other downloads, later steps and the progress
 * events: nothing follows it.
 */
export class ModelDownloader {
  readonly #baseUrl: string;
  readonly #files: Record<string, ManifestFile>;
  readonly #opts: FetchFilesOptions;
  readonly #progress: ProgressTotals;
  readonly #stop = new AbortController();
  readonly #signal: AbortSignal;
  #cache: Promise<Cache | null> | undefined;

  /** `paths` (each listed in `files`) are every file the load will fetch: their sizes make the total. */
  constructor(baseUrl: string, files: Record<string, ManifestFile>, paths: readonly string[], opts: FetchFilesOptions = {}) {
    this.#baseUrl = baseUrl;
    this.#files = files;
    this.#opts = opts;
    this.#progress = new ProgressTotals(
      paths.reduce((sum, path) => sum + this.#info(path).size, 0),
      opts.onProgress,
    );
    this.#signal = opts.signal ? AbortSignal.any([opts.signal, this.#stop.signal]) : this.#stop.signal;
  }

  /** Bytes of every file of the load. */
  get total(): number {
    return this.#progress.total;
  }

  /** The absolute URL a file is fetched from. */
  url(path: string): string {
    return this.#opts.urls?.[path] ?? new URL(path, this.#baseUrl).href;
  }

  /** Fetches `paths` concurrently and returns their verified bytes. */
  async fetch(paths: readonly string[]): Promise<Map<string, Uint8Array<ArrayBuffer>>> {
    const signal = this.#signal;
    if (signal.aborted) throw abortReason(signal);
    this.#cache ??= openModelCache(this.#opts.cacheName);
    const cache = await this.#cache;
    const progress = this.#progress;
    const out = new Map<string, Uint8Array<ArrayBuffer>>();
    const failFast = (err: unknown): never => {
      this.stop(err);
      throw err;
    };
    await Promise.all(
      paths
        .map(async (path) => {
          const info = this.#info(path);
          const { bytes, source } = await this.#read(path, info, cache);
          progress.emit('done', path, source, info.size, info.size);
          out.set(path, bytes);
        })
        .map((task) => task.catch(failFast)),
    );
    return out;
  }

  /** Ends the load: downloads in flight and later steps reject with `reason`, and progress stops. */
  stop(reason: unknown): void {
    this.#progress.close();
    this.#stop.abort(reason);
  }

  /** A file's verified bytes: the prefetched copy, else the cached one, else a download (then cached). */
  async #read(path: string, info: ManifestFile, cache: Cache | null): Promise<FetchedFile> {
    const ready = this.#opts.prefetched?.get(path);
    if (ready) {
      await verifyFile(path, ready.bytes, info);
      return ready;
    }
    const url = this.url(path);
    const cached = await readCached(cache, url, path, info, this.#progress, this.#signal);
    if (cached) return { bytes: cached, source: 'cache' };
    return { bytes: await download(url, path, info, this.#progress, this.#signal, cache, this.#opts.onWarning), source: 'network' };
  }

  #info(path: string): ManifestFile {
    const info = this.#files[path];
    if (!info) throw new IntegrityError(`${path} is not listed in the manifest's files; add it with its size and sha256`, { file: path });
    return info;
  }
}

/**
 * Downloads `paths` (relative to `baseUrl`, each listed in `files`) in one step and returns their
 * verified bytes (see {@link ModelDownloader}).
 */
export function fetchModelFiles(
  baseUrl: string,
  files: Record<string, ManifestFile>,
  paths: readonly string[],
  opts: FetchFilesOptions = {},
): Promise<Map<string, Uint8Array<ArrayBuffer>>> {
  return new ModelDownloader(baseUrl, files, paths, opts).fetch(paths);
}

/** The Cache API bucket `name` ({@link MODEL_CACHE_NAME} when undefined), or null for none. */
export async function openModelCache(name: string | null | undefined): Promise<Cache | null> {
  // The Cache API exists only in secure contexts; without it every load is a network load.
  if (name === null || typeof caches === 'undefined') return null;
  try {
    return await caches.open(name ?? MODEL_CACHE_NAME);
  } catch {
    return null;
  }
}
