/**
 * Fetches the files of a model package: through the Cache API (a second load reads no network),
 * with byte-level progress whose totals come from the manifest before anything is downloaded, and
 * with size + sha256 checks on every file, cached or not.
 */
import { IntegrityError, MaskLlavaError, ModelFileMissingError } from '../errors.ts';
import type { ManifestFile } from './manifest.ts';
import { sha256Hex, verifyFile } from './verify.ts';

/** Cache API bucket that holds model files, keyed by absolute URL. */
export const MODEL_CACHE_NAME = 'mask-llava-web-models';

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
  prefetched?: ReadonlyMap<string, { bytes: Uint8Array<ArrayBuffer>; source: FileSource }>;
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
    const { prefetched, onWarning } = this.#opts;
    const signal = this.#signal;
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException('load aborted', 'AbortError');
    this.#cache ??= openModelCache(this.#opts.cacheName);
    const cache = await this.#cache;
    const progress = this.#progress;
    const out = new Map<string, Uint8Array<ArrayBuffer>>();
    const failFast = (err: unknown): never => {
      progress.close();
      this.#stop.abort(err);
      throw err;
    };
    await Promise.all(
      paths
        .map(async (path) => {
          const info = this.#info(path);
          const ready = prefetched?.get(path);
          if (ready) {
            await verifyFile(path, ready.bytes, info);
            progress.emit('done', path, ready.source, info.size, info.size);
            out.set(path, ready.bytes);
            return;
          }
          const url = this.url(path);
          const cached = cache ? await cache.match(url) : undefined;
          if (cached) {
            const bytes = await readBody(cached, path, info, 'cache', progress, signal).catch((err: unknown) => {
              if (err instanceof IntegrityError) return null;
              throw err;
            });
            if (bytes && (await matches(bytes, info))) {
              progress.emit('done', path, 'cache', info.size, info.size);
              out.set(path, bytes);
              return;
            }
            // A stale or damaged cache entry: forget what it contributed and fetch it again.
            await cache!.delete(url);
            progress.rewind(path);
          }
          const bytes = await download(url, path, info, progress, signal, cache, onWarning);
          progress.emit('done', path, 'network', info.size, info.size);
          out.set(path, bytes);
        })
        .map((task) => task.catch(failFast)),
    );
    return out;
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

/**
 * Stores a response in the Cache API while its body is read (a clone streams to storage: no second
 * copy of the bytes in JS memory). Caching is an optimisation: when it fails (storage quota
 * exceeded) the load goes on uncached with a warning. `settle(ok)` waits for the write and keeps
 * the entry only when the bytes were verified, so nothing unverified or half-written is read back.
 */
function cacheWhileReading(cache: Cache, url: string, path: string, response: Response, onWarning?: (message: string) => void): (ok: boolean) => Promise<void> {
  const put = cache.put(url, response.clone()).then(
    () => true,
    (err: unknown) => {
      if (err instanceof DOMException && err.name === 'AbortError') return false;
      onWarning?.(`could not cache ${path} (${String(err)}); it loads from the network next time too: free browser storage to cache it`);
      return false;
    },
  );
  return async (ok) => {
    if (!(await put) || !ok) await cache.delete(url).catch(() => undefined);
  };
}

/** Fetches a file, verifies it, and caches it when there is a cache (see {@link cacheWhileReading}). */
async function download(
  url: string,
  path: string,
  info: ManifestFile,
  progress: ProgressTotals,
  signal: AbortSignal | undefined,
  cache: Cache | null,
  onWarning: ((message: string) => void) | undefined,
): Promise<Uint8Array<ArrayBuffer>> {
  let response: Response;
  try {
    response = await fetch(url, signal ? { signal } : {});
  } catch (err) {
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException('load aborted', 'AbortError');
    throw new ModelFileMissingError(`could not fetch ${url} (${String(err)}); check the model URL and that the server is reachable`, {
      url,
      file: path,
    });
  }
  if (!response.ok) {
    throw new ModelFileMissingError(`${url} answered HTTP ${response.status}; check that the model folder contains ${path}`, {
      url,
      file: path,
      status: response.status,
    });
  }
  const settle = cache ? cacheWhileReading(cache, url, path, response, onWarning) : undefined;
  try {
    const bytes = await readBody(response, path, info, 'network', progress, signal);
    await verifyFile(path, bytes, info);
    await settle?.(true);
    return bytes;
  } catch (err) {
    await settle?.(false);
    if (err instanceof MaskLlavaError || signal?.aborted) throw err;
    // Headers arrived, then the body broke off (network change, server restart, proxy timeout).
    throw new ModelFileMissingError(`the connection dropped while downloading ${url} (${String(err)}); nothing of it was cached: try again`, {
      url,
      file: path,
    });
  }
}

/** Reads a body into a buffer of the manifest's size, reporting progress per chunk. */
async function readBody(
  response: Response,
  path: string,
  info: ManifestFile,
  source: FileSource,
  progress: ProgressTotals,
  signal: AbortSignal | undefined,
): Promise<Uint8Array<ArrayBuffer>> {
  progress.emit('initiate', path, source, 0, info.size);
  const buffer = new Uint8Array(info.size);
  let received = 0;
  const reader = response.body?.getReader();
  if (reader) {
    const onAbort = () => void reader.cancel().catch(() => undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        signal?.throwIfAborted();
        const { done, value } = await reader.read();
        if (done) break;
        if (received + value.length > info.size) {
          throw new IntegrityError(`${path} is larger than the ${info.size} bytes the manifest lists; re-export the model or fix its manifest`, {
            file: path,
            expectedSize: info.size,
          });
        }
        buffer.set(value, received);
        received += value.length;
        progress.emit('progress', path, source, received, info.size);
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    signal?.throwIfAborted();
  }
  return received === info.size ? buffer : buffer.subarray(0, received);
}

async function matches(bytes: Uint8Array, info: ManifestFile): Promise<boolean> {
  return bytes.length === info.size && (info.sha256 === undefined || (await sha256Hex(bytes)) === info.sha256);
}

/** Sums per-file progress into one monotonic counter over the whole load. */
class ProgressTotals {
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

  rewind(file: string): void {
    this.#loaded -= this.#perFile.get(file) ?? 0;
    this.#perFile.delete(file);
  }
}
