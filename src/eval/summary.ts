/** Summaries and exports of a sweep: accuracy by question type per variant and budget, CSV, tables. */
import type { PlanPolicy } from '../tokens/plan.ts';
import type { SweepBudget } from './budget.ts';
import type { SweepRecord } from './sweep.ts';

/** Correct answers out of asked. */
export interface Tally {
  correct: number;
  total: number;
}

/** One row of a sweep summary: a variant at a budget. */
export interface SweepRow {
  variant: string;
  policy: PlanPolicy;
  budget: SweepBudget;
  /** Mean visual tokens actually used (plans can use fewer than the budget when masks run out). */
  tokens: number;
  /** All questions. */
  all: Tally;
  /** Per question type. */
  byType: Record<string, Tally>;
  /** Median LLM prefill time, ms. */
  prefillMs: number;
  /** Median time to first token, ms. */
  ttftMs: number;
  /** Median time per answer, ms. */
  totalMs: number;
}

/** Median of a non-empty list (mean of the middle two for even lengths); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Accuracy of a tally in [0, 1] (NaN when nothing was asked). */
export function accuracy(t: Tally): number {
  return t.total === 0 ? NaN : t.correct / t.total;
}

/** Groups records by variant and budget, in the order they first appear. */
export function summariseSweep(records: readonly SweepRecord[]): SweepRow[] {
  const groups = new Map<string, SweepRecord[]>();
  for (const r of records) {
    const key = `${r.variant}\u0000${r.budget}`;
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()].map((list) => {
    const first = list[0]!;
    const byType: Record<string, Tally> = {};
    for (const r of list) {
      const t = (byType[r.type] ??= { correct: 0, total: 0 });
      t.total++;
      if (r.correct) t.correct++;
    }
    return {
      variant: first.variant,
      policy: first.policy,
      budget: first.budget,
      tokens: list.reduce((n, r) => n + r.tokens.total, 0) / list.length,
      all: { correct: list.filter((r) => r.correct).length, total: list.length },
      byType,
      prefillMs: median(list.map((r) => r.prefillMs)),
      ttftMs: median(list.map((r) => r.ttftMs)),
      totalMs: median(list.map((r) => r.totalMs)),
    };
  });
}

/** Question types present in the rows, sorted. */
export function questionTypes(rows: readonly SweepRow[]): string[] {
  return [...new Set(rows.flatMap((r) => Object.keys(r.byType)))].sort();
}

/**
 * The 95% Wilson score interval of a tally's accuracy, `[low, high]` in [0, 1] (NaN when nothing
 * was asked): `(p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)`, z = 1.96.
 */
export function wilsonInterval(t: Tally, z = 1.96): [number, number] {
  if (t.total === 0) return [NaN, NaN];
  const n = t.total;
  const p = t.correct / n;
  const centre = p + (z * z) / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  const scale = 1 + (z * z) / n;
  return [Math.max(0, (centre - spread) / scale), Math.min(1, (centre + spread) / scale)];
}

/** Options of {@link sweepTable}. */
export interface SweepTableOptions {
  /** Show each accuracy with its 95% Wilson interval, e.g. "70.9 (68.0-73.6)". */
  intervals?: boolean;
  /** Add a column with the cut against the same variant's 'full' row: full tokens / tokens. */
  cutRatio?: boolean;
}

/** A Markdown table: one row per variant and budget, accuracy (%) overall and per type, median latency. */
export function sweepTable(rows: readonly SweepRow[], options: SweepTableOptions = {}): string {
  const types = questionTypes(rows);
  const pct = (t: Tally | undefined): string => {
    if (!t || t.total === 0) return '-';
    const value = (100 * accuracy(t)).toFixed(1);
    if (!options.intervals) return value;
    const [lo, hi] = wilsonInterval(t);
    return `${value} (${(100 * lo).toFixed(1)}-${(100 * hi).toFixed(1)})`;
  };
  const cut = (r: SweepRow): string => {
    const full = rows.find((f) => f.variant === r.variant && f.budget === 'full');
    return full && r.tokens > 0 ? `${(full.tokens / r.tokens).toFixed(1)}x` : '-';
  };
  const head = ['variant', 'budget', 'tokens', ...(options.cutRatio ? ['cut'] : []), 'answers', 'all %', ...types.map((t) => `${t} %`), 'prefill ms', 'TTFT ms', 'answer ms'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const cells = [
      r.variant,
      String(r.budget),
      r.tokens.toFixed(1),
      ...(options.cutRatio ? [cut(r)] : []),
      String(r.all.total),
      pct(r.all),
      ...types.map((t) => pct(r.byType[t])),
      r.prefillMs.toFixed(1),
      r.ttftMs.toFixed(1),
      r.totalMs.toFixed(1),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function csvCell(v: string | number | boolean): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Every record as CSV, one answer per line, with a header. */
export function sweepCsv(records: readonly SweepRecord[]): string {
  const head = ['variant', 'policy', 'budget', 'item', 'type', 'question', 'expected', 'answer', 'correct', 'tokens', 'cls', 'patch', 'object', 'prefill_tokens', 'prefill_ms', 'ttft_ms', 'total_ms'];
  const lines = records.map((r) =>
    [
      r.variant,
      r.policy,
      r.budget,
      r.item,
      r.type,
      r.question,
      r.expected,
      r.answer,
      r.correct,
      r.tokens.total,
      r.tokens.cls,
      r.tokens.patch,
      r.tokens.object,
      r.prefillTokens,
      r.prefillMs.toFixed(2),
      r.ttftMs.toFixed(2),
      r.totalMs.toFixed(2),
    ]
      .map(csvCell)
      .join(','),
  );
  return [head.join(','), ...lines].join('\n') + '\n';
}
