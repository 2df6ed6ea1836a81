/**
 * Where published repos are fetched from: `{host}/{model}/resolve/{revision}/{file}`
 * (transformers.js's env.remoteHost + env.remotePathTemplate), with repo ids, host, path template
 * and revision checked. Kept apart from the fetching: the main thread checks these and resolves a
 * relative host against the page before the worker starts.
 */
import { InvalidArgumentError } from '../errors.ts';
import type { DtypeOption } from './dtype.ts';

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
