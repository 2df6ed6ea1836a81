/**
 * Readers of the JSON files of published repos (config.json, preprocessor_config.json, ...): each
 * error names the repo, the file and the field, so a user can tell which repo the SDK cannot run.
 */
import { ManifestError } from '../errors.ts';

/** A parsed JSON object. */
export type Json = Record<string, unknown>;

/** Throws ManifestError naming the repo, the file and the field that a derived manifest cannot use. */
export function failRepoField(repo: string, file: string, field: string, message: string): never {
  throw new ManifestError(`${repo}: ${file} field '${field}' ${message}`, { repo, file, field });
}

/** `parent[key]` when it is a JSON object, else undefined. */
export function jsonObject(parent: Json, key: string): Json | undefined {
  const v = parent[key];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

/** `parent[key]` as a positive integer; `field` is its dotted path for the error. */
export function positiveInt(repo: string, file: string, parent: Json, key: string, field = key): number {
  const v = parent[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) failRepoField(repo, file, field, `must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}
