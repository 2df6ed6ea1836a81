/**
 * Requests to a host of published repos: a file's size and sha256 from response headers before its
 * body is read, and small files (the repos' JSON) read whole through the Cache API.
 */
import { ModelFileMissingError, abortReason } from '../errors.ts';
import type { FetchedFile } from './fetch.ts';
import type { ManifestFile } from './manifest.ts';
import type { Json } from './repo-json.ts';

/** Size and sha256 of a file as its response headers state them. */
export interface HeaderFileInfo {
  size: number | undefined;
  sha256: string | undefined;
}

/**
 * Reads a file's size and hash from response headers. Size: the total of `Content-Range` (a range
 * request), else the Hub's `X-Linked-Size` (LFS files), else `Content-Length` of a whole (200)
 * response. Hash: the Hub's `X-Linked-Etag`, else `ETag`, when it is a strong 64-hex-digit value:
 * LFS entries carry the file's sha256 there; git blobs carry a 40-digit sha1, which is not used.
 */
export function fileInfoFromHeaders(headers: Headers, status: number): HeaderFileInfo {
  const range = /\/(\d+)\s*$/.exec(headers.get('content-range') ?? '');
  const linked = headers.get('x-linked-size');
  const length = headers.get('content-length');
  const size = range ? Number(range[1]) : linked !== null && /^\d+$/.test(linked) ? Number(linked) : status === 200 && length !== null ? Number(length) : undefined;
  const tag = headers.get('x-linked-etag') ?? headers.get('etag');
  const hash = tag && !tag.startsWith('W/') ? /^"?([0-9a-f]{64})"?$/i.exec(tag.trim()) : null;
  return { size, sha256: hash ? hash[1]!.toLowerCase() : undefined };
}

function missing(url: string, detail: string, status?: number): ModelFileMissingError {
  return new ModelFileMissingError(`${url} ${detail}`, { url, ...(status === undefined ? {} : { status }) });
}

function rethrowAbort(err: unknown, signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
  if (err instanceof DOMException && err.name === 'AbortError') throw err;
}

async function request(url: string, init: RequestInit, signal: AbortSignal | undefined, what: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, signal ? { ...init, signal } : init);
  } catch (err) {
    rethrowAbort(err, signal);
    throw missing(url, `could not be fetched (${String(err)}); check the host and that it is reachable`);
  }
  if (!response.ok) {
    void response.body?.cancel().catch(() => undefined);
    throw missing(url, `answered HTTP ${response.status}; ${what}`, response.status);
  }
  return response;
}

/**
 * A file's size and hash before its body: from the Cache API when it is cached (the entry's own
 * headers), else from a one-byte range request's headers (transformers.js's get_file_metadata
 * does the same: a HEAD's Content-Length can be the compressed size), else from a HEAD.
 */
export async function probeFile(url: string, cache: Cache | null, signal: AbortSignal | undefined, what: string): Promise<ManifestFile & { cached: boolean }> {
  const cached = cache ? await cache.match(url) : undefined;
  if (cached) {
    // The entry is the host's own response, stored whole: its headers still say size and hash.
    void cached.body?.cancel().catch(() => undefined);
    const { size, sha256 } = fileInfoFromHeaders(cached.headers, 200);
    if (size !== undefined) return { size, ...(sha256 ? { sha256 } : {}), cached: true };
  }
  const ranged = await request(url, { headers: { Range: 'bytes=0-0' }, cache: 'no-store' }, signal, what);
  void ranged.body?.cancel().catch(() => undefined);
  let info = fileInfoFromHeaders(ranged.headers, ranged.status);
  if (info.size === undefined) {
    // A 206 whose Content-Range the host does not expose (CORS): ask for the headers alone.
    const head = await request(url, { method: 'HEAD', cache: 'no-store' }, signal, what);
    const h = fileInfoFromHeaders(head.headers, head.status);
    info = { size: h.size, sha256: info.sha256 ?? h.sha256 };
  }
  if (info.size === undefined) throw missing(url, 'gave no size (Content-Length, Content-Range or X-Linked-Size); serve it with one of them');
  return { size: info.size, ...(info.sha256 ? { sha256: info.sha256 } : {}), cached: false };
}

/** A small file's bytes, from the Cache API or the network (then cached); undefined on 404 when optional. */
export async function fetchSmallFile(
  url: string,
  cache: Cache | null,
  signal: AbortSignal | undefined,
  what: string,
  optional: boolean,
): Promise<FetchedFile | undefined> {
  const cached = cache ? await cache.match(url) : undefined;
  if (cached) return { bytes: new Uint8Array(await cached.arrayBuffer()), source: 'cache' };
  let response: Response;
  try {
    response = await request(url, { cache: 'no-cache' }, signal, what);
  } catch (err) {
    if (optional && err instanceof ModelFileMissingError && err.details?.status === 404) return undefined;
    throw err;
  }
  const storing = cache?.put(url, response.clone());
  const bytes = new Uint8Array(await response.arrayBuffer());
  await storing;
  return { bytes, source: 'network' };
}

/** A repo JSON file's object; `url` names the file in the error when it is anything else. */
export function parseJson(bytes: Uint8Array, url: string): Json {
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Json;
  } catch {
    // fall through
  }
  throw missing(url, 'is not a JSON object; check that host serves the repo files themselves (not an HTML page)');
}
