/**
 * The sections of docs/BENCHMARKS.md that tools other than `npm run bench` write, each between
 * its own markers: `npm run bench` regenerates the rest of the file and keeps these as they are.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';

/** A marked section: the comment lines that open and close it. */
export interface MarkedSection {
  start: string;
  end: string;
}

/** Written by `npm run bench:real`. */
export const REAL_SECTION: MarkedSection = {
  start: '<!-- real-size benchmark: npm run bench:real -->',
  end: '<!-- end of real-size benchmark -->',
};

/** Written by `npm run bench:main-thread`. */
export const MAIN_THREAD_SECTION: MarkedSection = {
  start: '<!-- phone-class main thread: npm run bench:main-thread -->',
  end: '<!-- end of phone-class main thread -->',
};

/** Written by `npm run bench:ort-heap`: ORT's wasm heap against the model files. */
export const ORT_HEAP_SECTION: MarkedSection = {
  start: '<!-- ORT heap: npm run bench:ort-heap -->',
  end: '<!-- end of ORT heap -->',
};

/** Every marked section, in the order `npm run bench` appends them. */
export const KEPT_SECTIONS = [REAL_SECTION, MAIN_THREAD_SECTION, ORT_HEAP_SECTION];

/** The section of an existing document, markers included, or '' when absent. */
export function markedSection(doc: string, s: MarkedSection): string {
  const start = doc.indexOf(s.start);
  const end = doc.indexOf(s.end);
  return start >= 0 && end > start ? doc.slice(start, end + s.end.length) : '';
}

/** `doc` with the section's body replaced, or appended when the section is absent. */
export function withSection(doc: string, s: MarkedSection, body: string): string {
  const old = markedSection(doc, s);
  const block = `${s.start}\n${body}\n${s.end}`;
  return old ? doc.replace(old, () => block) : `${doc.trimEnd()}\n\n${block}\n`;
}

/**
 * Rewrites section `s` of the file at `path` (created when missing) with `body(old)`, `old` being
 * the section as it stands, markers included ('' when absent).
 */
export async function writeSection(path: string, s: MarkedSection, body: (old: string) => string): Promise<void> {
  const doc = existsSync(path) ? await readFile(path, 'utf8') : '# Benchmarks\n';
  await writeFile(path, withSection(doc, s, body(markedSection(doc, s))));
}
