import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { downloadsAhead, loadFiles, sessionFiles } from '../../../src/models/files.ts';
import { parseManifest } from '../../../src/models/parse.ts';

const manifest = parseManifest(JSON.parse(readFileSync(join(import.meta.dirname, '../../../public/models/shapesworld/manifest.json'), 'utf8')));

describe('sessionFiles', () => {
  it('lists every session once, largest file first', () => {
    const groups = sessionFiles(manifest);
    expect(new Set(groups.map((g) => g.role))).toEqual(new Set(['encoder', 'segmenterVision', 'segmenterDecoder', 'projector', 'embedTokens', 'decoder']));
    const sizes = groups.map((g) => manifest.files[g.file]!.size);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
  });

  it("counts each group's bytes", () => {
    for (const g of sessionFiles(manifest)) expect(g.bytes).toBe(manifest.files[g.file]!.size);
  });

  it('lists the tokenizer files, then every session file', () => {
    expect(loadFiles(manifest).slice(0, 2)).toEqual([manifest.llm.tokenizer, manifest.llm.tokenizerConfig]);
    expect(loadFiles(manifest).sort()).toEqual(Object.keys(manifest.files).sort());
  });
});

describe('downloadsAhead', () => {
  const MB = 2 ** 20;
  const group = (mb: number) => ({ role: 'encoder' as const, file: `f${mb}`, externalData: [], bytes: mb * MB });

  it('runs ahead while the files not yet sessions stay within twice the largest group', () => {
    const groups = [100, 60, 30, 20, 10].map(group);
    expect(downloadsAhead(groups, 0)).toBe(3); // 100 + 60 + 30 <= 200 < 100 + 60 + 30 + 20
    expect(downloadsAhead(groups, 1)).toBe(5);
    expect(downloadsAhead(groups, 5)).toBe(5);
  });

  it('always allows the group to create next', () => {
    expect(downloadsAhead([100, 100, 100].map(group), 0)).toBe(2);
    expect(downloadsAhead([100, 100, 100].map(group), 1)).toBe(3);
    expect(downloadsAhead([group(0)], 0)).toBe(1);
  });

  it('downloads a model of up to 32 MiB whole before its first session', () => {
    expect(downloadsAhead([10, 8, 6, 5, 3].map(group), 0)).toBe(5);
    expect(downloadsAhead([10, 8, 6, 5, 4].map(group), 0)).toBe(4); // 33 MiB
    const groups = sessionFiles(manifest);
    expect(downloadsAhead(groups, 0)).toBe(groups.length);
  });
});
