/** Finding and fetching a model package's manifest.json (docs/model-format.md). */
import { ManifestError, ModelFileMissingError } from '../errors.ts';
import type { ModelManifest } from './manifest.ts';
import { parseManifest } from './parse.ts';

/** The manifest URL of a model: `url` itself when it names a .json file, else `url/manifest.json`. */
export function manifestUrl(url: string): string {
  return url.endsWith('.json') ? url : url.replace(/\/?$/, '/manifest.json');
}

/**
 * Fetches and validates a manifest; typed errors say whether the URL or the file is wrong. The
 * network comes first (a model may change); a copy kept in `cache` lets a model that loaded once
 * load again while its server is unreachable (its files are in the same cache).
 */
export async function fetchManifest(url: string, cache: Cache | null = null): Promise<ModelManifest> {
  let response: Response;
  try {
    response = await fetch(url, { cache: 'no-cache' });
    if (response.ok) await cache?.put(url, response.clone()).catch(() => undefined);
  } catch (err) {
    const cached = await cache?.match(url);
    if (!cached) throw new ModelFileMissingError(`could not fetch ${url} (${String(err)}); check the model URL`, { url });
    response = cached;
  }
  if (!response.ok) throw new ModelFileMissingError(`${url} answered HTTP ${response.status}; pass the URL of a model folder containing manifest.json`, { url });
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    throw new ManifestError(`${url} is not JSON; pass the URL of a mask-llava-web manifest.json`, { url });
  }
  return parseManifest(json, url);
}
