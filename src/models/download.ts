/**
 * One file of a load, read into a buffer of the manifest's size with per-chunk progress: a verified
 * copy from the Cache API, or else a download that is verified and cached from the response stream
 * as it is read.
 */
import { IntegrityError, MaskLlavaError, ModelFileMissingError, abortReason } from '../errors.ts';
import type { ManifestFile } from './manifest.ts';
import type { FileSource, ProgressTotals } from './progress.ts';
import { sha256Hex, verifyFile } from './verify.ts';

/**
 * The verified cached copy of a file, or null when there is none. A stale or damaged entry is
 * deleted and its bytes are taken off the progress, so the file can be downloaded again.
 */
export async function readCached(
  cache: Cache | null,
  url: string,
  path: string,
  info: ManifestFile,
  progress: ProgressTotals,
  signal: AbortSignal,
): Promise<Uint8Array<ArrayBuffer> | null> {
  const cached = await cache?.match(url);
  if (!cached) return null;
  const bytes = await readBody(cached, path, info, 'cache', progress, signal).catch((err: unknown) => {
    if (err instanceof IntegrityError) return null;
    throw err;
  });
  if (bytes && (await matches(bytes, info))) return bytes;
  await cache?.delete(url);
  progress.rewind(path);
  return null;
}

/** Fetches a file, verifies it, and caches it when there is a cache (see {@link cacheWhileReading}). */
export async function download(
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
    if (signal?.aborted) throw abortReason(signal);
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

/**
 * Reads a body into a buffer of the manifest's size, reporting progress per chunk. Throws
 * IntegrityError as soon as the body outgrows that size; a shorter body comes back short.
 */
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
