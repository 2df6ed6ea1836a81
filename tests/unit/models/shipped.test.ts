import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { parseManifest } from '../../../src/models/parse.ts';
import { verifyFile } from '../../../src/models/verify.ts';

// Packages shipped in public/models must stay valid: a re-export that forgets the manifest fails here.
const root = resolve(import.meta.dirname, '../../../public/models');
const shipped = (await readdir(root, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory()).map((e) => e.name);

test('public/models holds at least one package', () => {
  expect(shipped.length).toBeGreaterThan(0);
});

test.each(shipped)('public/models/%s: manifest validates and every listed file matches its size and sha256', async (name) => {
  const dir = join(root, name);
  const manifest = parseManifest(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')), `public/models/${name}/`);
  for (const [path, entry] of Object.entries(manifest.files)) await verifyFile(path, new Uint8Array(await readFile(join(dir, path))), entry);
});
