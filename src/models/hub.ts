/**
 * Published repos as a model source: the repos' JSON is read (hub-location.ts says from where), and
 * the internal manifest is derived from it, with each ONNX file's size (and sha256 where the host
 * publishes one) taken from response headers before any body is read.
 */
import { type SegmenterRepoJson, type VlmRepoJson, deriveHubManifest } from './derive.ts';
import { type ComponentDtypes, type DeviceCaps, resolveDtypes } from './dtype.ts';
import { type FetchedFile, openModelCache } from './fetch.ts';
import { type HubFilePlan, planHubFiles } from './hub-files.ts';
import { type HubModelSource, checkRepoId, hubFileUrl, hubLocation } from './hub-location.ts';
import { fetchSmallFile, parseJson, probeFile } from './hub-requests.ts';
import type { ManifestFile, ModelManifest } from './manifest.ts';
import { sha256Hex } from './verify.ts';

/** A derived manifest and the files read while deriving it (the worker uses them as they are). */
export interface ResolvedHubModel {
  manifest: ModelManifest;
  /** The files in load order (sessions are created in this order). */
  plan: HubFilePlan;
  dtypes: ComponentDtypes;
  /** JSON files already read, by manifest key. */
  prefetched: Map<string, FetchedFile>;
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
  const prefetched = new Map<string, FetchedFile>();
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
