/**
 * Typed readers of manifest.json fields: each throws a ManifestError whose `details.field` is the
 * field's dotted path, so every check in parse.ts reads as one line.
 */
import { ManifestError } from '../errors.ts';
import type { PackageManifest } from './manifest.ts';

/** A parsed JSON object. */
export type Json = Record<string, unknown>;

/** Field readers bound to one manifest, so every error carries the field path and the manifest URL. */
export class FieldReader {
  constructor(private readonly baseUrl: string | undefined) {}

  fail(field: string, message: string): never {
    const where = this.baseUrl ? ` (manifest at ${this.baseUrl})` : '';
    throw new ManifestError(`manifest field '${field}' ${message}${where}`, { field, baseUrl: this.baseUrl });
  }

  obj(parent: Json, key: string, field: string): Json {
    const v = parent[key];
    if (v === undefined) this.fail(field, 'is missing; add it (see docs/model-format.md)');
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, `must be an object, got ${JSON.stringify(v)}`);
    return v as Json;
  }

  str(parent: Json, key: string, field: string): string {
    const v = parent[key];
    if (v === undefined) this.fail(field, 'is missing; add it (see docs/model-format.md)');
    if (typeof v !== 'string' || v.length === 0) this.fail(field, `must be a non-empty string, got ${JSON.stringify(v)}`);
    return v;
  }

  num(parent: Json, key: string, field: string, opts: { int?: boolean; min?: number; positive?: boolean } = {}): number {
    const v = parent[key];
    if (v === undefined) this.fail(field, 'is missing; add it (see docs/model-format.md)');
    const kind = opts.int ? 'an integer' : 'a number';
    if (typeof v !== 'number' || !Number.isFinite(v) || (opts.int && !Number.isInteger(v))) this.fail(field, `must be ${kind}, got ${JSON.stringify(v)}`);
    if (opts.positive && v <= 0) this.fail(field, `must be > 0, got ${v}`);
    if (opts.min !== undefined && v < opts.min) this.fail(field, `must be >= ${opts.min}, got ${v}`);
    return v;
  }

  optNum(parent: Json, key: string, field: string, opts: { int?: boolean; positive?: boolean }): number | undefined {
    return parent[key] === undefined ? undefined : this.num(parent, key, field, opts);
  }

  tuple<N extends number>(parent: Json, key: string, field: string, length: N, opts: { int?: boolean; positive?: boolean }): number[] & { length: N } {
    const v = parent[key];
    if (v === undefined) this.fail(field, 'is missing; add it (see docs/model-format.md)');
    if (!Array.isArray(v) || v.length !== length) this.fail(field, `must be an array of ${length} numbers, got ${JSON.stringify(v)}`);
    return v.map((_, i) => this.num(v as unknown as Json, String(i), `${field}[${i}]`, opts)) as number[] & { length: N };
  }

  oneOf<T extends string>(parent: Json, key: string, field: string, options: readonly T[]): T {
    const v = this.str(parent, key, field);
    if (!(options as readonly string[]).includes(v)) this.fail(field, `must be one of ${options.map((o) => `'${o}'`).join(', ')}, got '${v}'`);
    return v as T;
  }

  /** A package-relative file path that must also be listed in `files`. */
  path(parent: Json, key: string, field: string, files: PackageManifest['files']): string {
    const v = this.str(parent, key, field);
    if (!isRelativePath(v)) this.fail(field, `must be a path relative to the manifest (no leading '/', no '..', no URL scheme), got '${v}'`);
    if (!(v in files)) this.fail(field, `refers to '${v}', which is not listed in 'files'; add its size and sha256 there`);
    return v;
  }
}

/** Whether `p` stays inside the package: no leading '/', no '..' or empty segment, no URL scheme. */
export function isRelativePath(p: string): boolean {
  return !p.startsWith('/') && !/^[a-z][a-z0-9+.-]*:/i.test(p) && !p.split('/').some((s) => s === '..' || s === '');
}
