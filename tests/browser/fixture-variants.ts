import { cpSync, existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

const GENERATED = resolve(import.meta.dirname, '../fixtures/generated');
const TINY = resolve(GENERATED, 'tiny');

/** Folder of the tiny package that `npm run fixtures` writes. */
export const TINY_DIR = TINY;

/** Throws unless `npm run fixtures` has written the tiny package. */
export function requireTinyFixture(): void {
  if (!existsSync(resolve(TINY, 'manifest.json'))) throw new Error('run `npm run fixtures` first');
}

/** A copy of the tiny package, served at /tests/fixtures/generated/<name>/, changed by `damage`. */
export function variant(name: string, damage: (dir: string) => void): string {
  const dir = resolve(GENERATED, name);
  rmSync(dir, { recursive: true, force: true });
  cpSync(TINY, dir, { recursive: true });
  damage(dir);
  return `/tests/fixtures/generated/${name}/`;
}
