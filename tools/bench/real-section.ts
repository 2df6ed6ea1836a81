/** Markers of the real-size section in docs/BENCHMARKS.md: `npm run bench:real` writes it, `npm run bench` keeps it. */
export const REAL_SECTION_START = '<!-- real-size benchmark: npm run bench:real -->';
export const REAL_SECTION_END = '<!-- end of real-size benchmark -->';

/** The real-size section of an existing BENCHMARKS.md, markers included, or '' when absent. */
export function realSection(doc: string): string {
  const start = doc.indexOf(REAL_SECTION_START);
  const end = doc.indexOf(REAL_SECTION_END);
  return start >= 0 && end > start ? doc.slice(start, end + REAL_SECTION_END.length) : '';
}
