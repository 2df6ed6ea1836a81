/**
 * Published repos as a model source: files are fetched from `{host}/{model}/resolve/{revision}/{file}`
 * (transformers.js's env.remoteHost + env.remotePathTemplate), the repos' JSON is read, and the
 * internal manifest is derived from it, with each ONNX file's size (and sha256 where the host
 * publishes one) taken from response headers before any body is read.
 */
import { InvalidArgumentError, ModelFileMissingError } from '../errors.ts';
import { type ComponentDtypes, type DeviceCaps, type DtypeOption, resolveDtypes } from './dtype.ts';
import { type HubFilePlan, type SegmenterRepoJson, type VlmRepoJson, deriveHubManifest, planHubFiles } from './derive.ts';
import { type FileSource, openModelCache } from './fetch.ts';
import type { ManifestFile, ModelManifest } from './manifest.ts';
import { sha256Hex } from './verify.ts';

/** The Hugging Face Hub, transformers.js's default env.remoteHost. */
export const DEFAULT_HUB_HOST = 'https://huggingface.co/';

/** transformers.js's default env.remotePathTemplate. */
export const DEFAULT_PATH_TEMPLATE = '{model}/resolve/{revision}/';

/** A VLM repo and a segmenter repo to load, and where from. */
export interface HubModelSource {
  /** Repo id of a transformers.js-layout LLaVA-family VLM, e.g. 'onnx-community/nanoLLaVA-1.5'. */
  vlm: string;
  /** Repo id of a transformers.js-layout SAM export, e.g. 'Xenova/slimsam-77-uniform'. */
  segmenter: string;
  /** Weight dtype of every component, or per component. @defaultValue per device, see defaultDtypes */
  dtype?: DtypeOption;
  /** Branch, tag or commit. @defaultValue 'main' */
  revision?: string;
  /**
   * A mirror of the Hub, or a folder of repos on any static host (absolute, or relative to the
   * page). @defaultValue 'https://huggingface.co/'
   */
  host?: string;
  /**
   * Path of a repo's files under `host`, with `{model}` and `{revision}` filled in; '{model}/' for
   * a plain folder of repos. @defaultValue '{model}/resolve/{revision}/'
   */
  pathTemplate?: string;
}

/** Where the files of a load come from. */
export interface HubLocation {
  host: string;
  pathTemplate: string;
  revision: string;
}

/** A derived manifest and the files read while deriving it (the worker uses them as they are). */
export interface ResolvedHubModel {
  manifest: ModelManifest;
  /** The files in load order (sessions are created in this order). */
  plan: HubFilePlan;
  dtypes: ComponentDtypes;
  /** JSON files already read, by manifest key. */
  prefetched: Map<string, { bytes: Uint8Array<ArrayBuffer>; source: FileSource }>;
}

const REPO_ID = /^(\b[\w\-.]+\b\/)?\b[\w\-.]{1,96}\b$/;

/** Throws InvalidArgumentError unless `id` is a repo id as the Hub (and transformers.js) accepts it. */
export function checkRepoId(id: unknown, field: string): string {
  if (typeof id !== 'string' || !REPO_ID.test(id) || id.includes('..') || id.includes('--') || id.endsWith('.git')) {
    throw new InvalidArgumentError(`${field} must be a Hub repo id like 'onnx-community/nanoLLaVA-1.5', got ${JSON.stringify(id)}`, { [field]: id });
  }
  return id;
}

/** The location of a source, defaults filled in. `base` resolves a relative host (a page URL). */
export function hubLocation(source: Pick<HubModelSource, 'host' | 'pathTemplate' | 'revision'>, base?: string): HubLocation {
  const revision = source.revision ?? 'main';
  if (typeof revision !== 'string' || !revision || revision.includes('/..') || revision.startsWith('.')) {
    throw new InvalidArgumentError(`revision must be a branch, tag or commit, got ${JSON.stringify(revision)}`);
  }
  let host: string;
  try {
    host = new URL(source.host ?? DEFAULT_HUB_HOST, base).href;
  } catch {
    throw new InvalidArgumentError(`host must be a URL (absolute, or relative to the page), got ${JSON.stringify(source.host)}`);
  }
  const pathTemplate = source.pathTemplate ?? DEFAULT_PATH_TEMPLATE;
  if (!pathTemplate.includes('{model}')) throw new InvalidArgumentError(`pathTemplate must contain {model}, got ${JSON.stringify(pathTemplate)}`);
  return { host, pathTemplate, revision };
}

/** `{host}{pathTemplate}{file}` with the repo and revision filled in, as transformers.js builds remote URLs. */
export function hubFileUrl(loc: HubLocation, repo: string, path: string): string {
  const dir = loc.pathTemplate.replaceAll('{model}', repo).replaceAll('{revision}', encodeURIComponent(loc.revision));
  const join = (a: string, b: string) => `${a.replace(/\/$/, '')}/${b.replace(/^\//, '')}`;
  return join(join(loc.host, dir), path);
}

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
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException('load aborted', 'AbortError');
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
async function fetchSmallFile(
  url: string,
  cache: Cache | null,
  signal: AbortSignal | undefined,
  what: string,
  optional: boolean,
): Promise<{ bytes: Uint8Array<ArrayBuffer>; source: FileSource } | undefined> {
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

function parseJson(bytes: Uint8Array, url: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw missing(url, 'is not a JSON object; check that host serves the repo files themselves (not an HTML page)');
}

/** Options of {@link resolveHubModel}. */
export interface ResolveHubOptions {
  signal?: AbortSignal;
  /** Cache API bucket; `null` disables caching. @defaultValue 'mask-llava-web-models' */
  cacheName?: string | null;
  /** Resolves a relative `host`. */
  baseUrl?: string;
}

/**
 * Reads the repos' JSON, picks each component's dtype for the device, learns every ONNX file's size
 * (and sha256) from headers, and derives the manifest. Throws InvalidArgumentError for a bad repo
 * id, dtype or host, ModelFileMissingError naming the URL of a file the host lacks (e.g. a dtype
 * the repo does not publish), ManifestError for a config this SDK cannot run.
 */
export async function resolveHubModel(source: HubModelSource, caps: DeviceCaps, opts: ResolveHubOptions = {}): Promise<ResolvedHubModel> {
  const vlmId = checkRepoId(source.vlm, 'vlm');
  const segId = checkRepoId(source.segmenter, 'segmenter');
  const loc = hubLocation(source, opts.baseUrl);
  const dtypes = resolveDtypes(source.dtype, caps);
  const cache = await openModelCache(opts.cacheName);
  const { signal } = opts;
  const prefetched = new Map<string, { bytes: Uint8Array<ArrayBuffer>; source: FileSource }>();
  const json = async (repo: string, path: string, optional = false) => {
    const url = hubFileUrl(loc, repo, path);
    const file = await fetchSmallFile(url, cache, signal, `check that ${repo} (revision ${loc.revision}) has ${path}`, optional);
    if (!file) return undefined;
    prefetched.set(`${repo}/${path}`, file);
    return parseJson(file.bytes, url);
  };
  const [config, preprocessor, generation, tokenizer, segConfig, segPreprocessor] = await Promise.all([
    json(vlmId, 'config.json'),
    json(vlmId, 'preprocessor_config.json'),
    json(vlmId, 'generation_config.json', true),
    json(vlmId, 'tokenizer.json'),
    json(segId, 'config.json'),
    json(segId, 'preprocessor_config.json'),
    json(vlmId, 'tokenizer_config.json'),
  ]);
  const vlm: VlmRepoJson = { id: vlmId, config: config!, preprocessor: preprocessor!, generation, tokenizer: tokenizer! };
  const seg: SegmenterRepoJson = { id: segId, config: segConfig!, preprocessor: segPreprocessor! };
  const plan = planHubFiles(vlm, seg, dtypes);
  const files: Record<string, ManifestFile> = {};
  const urls: Record<string, string> = {};
  await Promise.all(
    plan.files.map(async ({ key, repo, path }) => {
      urls[key] = hubFileUrl(loc, repo, path);
      const ready = prefetched.get(key);
      if (ready) {
        files[key] = { size: ready.bytes.byteLength, sha256: await sha256Hex(ready.bytes) };
        return;
      }
      const dtypeNote = path.endsWith('.onnx') ? ` in this dtype; pick a dtype the repo publishes (dtypes: ${JSON.stringify(dtypes)})` : '';
      const { size, sha256 } = await probeFile(urls[key]!, cache, signal, `check that ${repo} has ${path}${dtypeNote}`);
      files[key] = { size, ...(sha256 ? { sha256 } : {}) };
    }),
  );
  const manifest = deriveHubManifest(vlm, seg, plan, files, urls, { revision: loc.revision, dtypes });
  return { manifest, plan, dtypes, prefetched };
}
