import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFiles, sessionFiles } from '../../../src/models/files.ts';
import { parseManifest } from '../../../src/models/parse.ts';

const manifest = parseManifest(JSON.parse(readFileSync(join(import.meta.dirname, '../../../public/models/shapesworld/manifest.json'), 'utf8')));

describe('sessionFiles', () => {
  it('lists every session once, largest file first', () => {
    const groups = sessionFiles(manifest);
    expect(new Set(groups.map((g) => g.role))).toEqual(new Set(['encoder', 'segmenterVision', 'segmenterDecoder', 'projector', 'embedTokens', 'decoder']));
    const sizes = groups.map((g) => manifest.files[g.file]!.size);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
  });

  it('fetches the tokenizer before any session file', () => {
    expect(loadFiles(manifest).slice(0, 2)).toEqual([manifest.llm.tokenizer, manifest.llm.tokenizerConfig]);
  });
});
