import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEPT_SECTIONS, markedSection, ORT_HEAP_SECTION, REAL_SECTION, writeSection } from '../../../../tools/bench/sections.ts';
import { type HeapRow, heapTable, mergeHeapTables } from '../../../../tools/bench/heap-table.ts';

const wrap = (s: typeof REAL_SECTION, body: string) => `${s.start}\n${body}\n${s.end}`;
const row: HeapRow = { model: 'm', files: 2 ** 20, start: 2 ** 20 * 1.5, heap: [2 ** 21, 2 ** 22, 2 ** 22], pss: [2 ** 28, 2 ** 28, 2 ** 28] };
const table = (label: string) => heapTable([row], 100, { label, date: 'd', machine: 'x', commit: 'c', runtime: { file: 'ort.wasm', layout: { minBytes: 2 ** 24, stackTop: 2 ** 20 } } });

describe('kept sections of BENCHMARKS.md', () => {
  it('keeps the real-size and ORT heap sections, markers included, and nothing else', () => {
    const doc = `# Benchmarks\n\nregenerated text\n\n${wrap(ORT_HEAP_SECTION, 'heap')}\n\n${wrap(REAL_SECTION, 'real')}\n`;
    const kept = (d: string) => KEPT_SECTIONS.map((s) => markedSection(d, s)).filter(Boolean);
    expect(kept(doc)).toEqual([wrap(REAL_SECTION, 'real'), wrap(ORT_HEAP_SECTION, 'heap')]);
    expect(kept('# Benchmarks\n')).toEqual([]);
  });

  it('replaces a label\'s table and keeps the other labels in order', () => {
    const first = mergeHeapTables('', 'before', table('before'));
    const both = mergeHeapTables(wrap(ORT_HEAP_SECTION, mergeHeapTables(first, 'after', table('after'))), 'before', table('before').replace('| m |', '| m2 |'));
    expect(both.match(/^### .*/gm)).toEqual(['### before', '### after']);
    expect(both).toContain('| m2 | 1.0 | 2.0 (2.00x) | 1.5 (1.50x) | 0.5 (0.50x) | 4.0 (4.00x) | 4.0 (4.00x) | 256.0 | 256.0 | 256.0 |');
    expect(both).toContain('declares 16.0 MiB as the least memory it accepts (read from the binary; its static data and main stack fill the first 1.0 MiB): no ORT heap is smaller, so a heap within 1.5x of the files is out of reach for files under 10.7 MiB.');
    expect(both).not.toContain(ORT_HEAP_SECTION.end);
    expect(markedSection(wrap(ORT_HEAP_SECTION, both), ORT_HEAP_SECTION)).toBe(wrap(ORT_HEAP_SECTION, both));
  });
});

describe('writeSection', () => {
  it('hands the current section to the body and replaces only that section of the file', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'sections-')), 'BENCHMARKS.md');
    await writeSection(path, REAL_SECTION, (old) => `first (old: '${old}')`);
    await writeFile(path, `${await readFile(path, 'utf8')}\ntail\n`);
    await writeSection(path, REAL_SECTION, (old) => `second (had first: ${old.includes('first')})`);
    expect(await readFile(path, 'utf8')).toBe(`# Benchmarks\n\n${wrap(REAL_SECTION, 'second (had first: true)')}\n\ntail\n`);
  });
});
