import { describe, expect, it } from 'vitest';
import { median, summariseSweep, sweepCsv, sweepTable, wilsonInterval } from '../../../src/eval/summary.ts';
import { InvalidArgumentError } from '../../../src/errors.ts';
import { isCorrect } from '../../../src/eval/answer.ts';
import { parseBudgets, resolveBudget } from '../../../src/eval/budget.ts';
import type { SweepRecord } from '../../../src/eval/sweep.ts';

function record(over: Partial<SweepRecord>): SweepRecord {
  return {
    variant: 'three kinds',
    policy: 'balanced',
    budget: 57,
    item: 'scene-0',
    question: 'How many circles?',
    type: 'count',
    expected: '2',
    answer: '2',
    correct: true,
    tokens: { total: 57, cls: 1, patch: 36, object: 20 },
    prefillTokens: 70,
    prefillMs: 5,
    ttftMs: 10,
    totalMs: 20,
    ...over,
  };
}

describe('isCorrect', () => {
  it('compares after trimming and lower-casing only', () => {
    expect(isCorrect(' Yes\n', 'yes')).toBe(true);
    expect(isCorrect('RED', 'red ')).toBe(true);
    expect(isCorrect('yes.', 'yes')).toBe(false);
    expect(isCorrect('2 ', 'two')).toBe(false);
  });
});

describe('resolveBudget', () => {
  it("keeps counts and turns 'full' into every patch (plus CLS and every mask for three kinds)", () => {
    expect(resolveBudget(57, 'balanced', [24, 24], 30)).toBe(57);
    expect(resolveBudget('full', 'patch-only', [24, 24], 30)).toBe(576);
    expect(resolveBudget('full', 'balanced', [16, 16], 9)).toBe(1 + 256 + 9);
  });
});

describe('median', () => {
  it('is the middle value, or the mean of the middle two', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('summariseSweep', () => {
  const records = [
    record({}),
    record({ type: 'exist', expected: 'yes', answer: 'no', correct: false, ttftMs: 30 }),
    record({ type: 'exist', expected: 'no', answer: 'no', ttftMs: 20 }),
    record({ budget: 15, tokens: { total: 13, cls: 1, patch: 9, object: 3 } }),
    record({ variant: 'patch only', policy: 'patch-only', budget: 15, correct: false, answer: '3', tokens: { total: 9, cls: 0, patch: 9, object: 0 } }),
  ];

  it('groups by variant and budget in first-seen order with per-type tallies and medians', () => {
    const rows = summariseSweep(records);
    expect(rows.map((r) => [r.variant, r.budget])).toEqual([
      ['three kinds', 57],
      ['three kinds', 15],
      ['patch only', 15],
    ]);
    expect(rows[0]!.all).toEqual({ correct: 2, total: 3 });
    expect(rows[0]!.byType).toEqual({ count: { correct: 1, total: 1 }, exist: { correct: 1, total: 2 } });
    expect(rows[0]!.ttftMs).toBe(20);
    expect(rows[1]!.tokens).toBe(13);
    expect(rows[2]!.all).toEqual({ correct: 0, total: 1 });
  });

  it('renders a Markdown table with one column per question type', () => {
    const table = sweepTable(summariseSweep(records)).split('\n');
    expect(table[0]).toBe('| variant | budget | tokens | answers | all % | count % | exist % | prefill ms | TTFT ms | answer ms |');
    expect(table).toHaveLength(2 + 3);
    expect(table[2]).toContain('| three kinds | 57 | 57.0 | 3 | 66.7 | 100.0 | 50.0 |');
    expect(table[4]).toContain('| patch only | 15 | 9.0 | 1 | 0.0 | 0.0 | - |');
  });
});

describe('wilsonInterval', () => {
  it('gives the 95% Wilson score interval (7/10 -> 39.7-89.2%, 0/10 -> 0-27.8%)', () => {
    const [lo, hi] = wilsonInterval({ correct: 7, total: 10 });
    expect(lo).toBeCloseTo(0.3968, 4);
    expect(hi).toBeCloseTo(0.8922, 4);
    const [lo0, hi0] = wilsonInterval({ correct: 0, total: 10 });
    expect(lo0).toBe(0);
    expect(hi0).toBeCloseTo(0.2775, 4);
    expect(wilsonInterval({ correct: 0, total: 0 }).every(Number.isNaN)).toBe(true);
  });

  it('shows intervals and the cut against full in the table when asked', () => {
    const rows = summariseSweep([
      record({ budget: 'full', tokens: { total: 150, cls: 1, patch: 144, object: 5 } }),
      record({ budget: 15, correct: false, tokens: { total: 15, cls: 1, patch: 9, object: 5 } }),
    ]);
    const table = sweepTable(rows, { intervals: true, cutRatio: true }).split('\n');
    expect(table[0]).toMatch(/^\| variant \| budget \| tokens \| cut \| answers \| all % \|/);
    expect(table[2]).toContain('| full | 150.0 | 1.0x | 1 | 100.0 (20.7-100.0) |');
    expect(table[3]).toContain('| 15 | 15.0 | 10.0x | 1 | 0.0 (0.0-79.3) |');
  });
});

describe('sweepCsv', () => {
  it('writes a header and one quoted-where-needed line per record', () => {
    const csv = sweepCsv([record({ question: 'Is there a "red" circle, left?' })]).trimEnd().split('\n');
    expect(csv).toHaveLength(2);
    expect(csv[0]!.split(',')).toHaveLength(17);
    expect(csv[1]).toContain('"Is there a ""red"" circle, left?"');
  });
});

describe('parseBudgets', () => {
  it("reads 'full' and integers separated by commas or spaces", () => {
    expect(parseBudgets('full,57, 15')).toEqual(['full', 57, 15]);
    expect(parseBudgets('576 144')).toEqual([576, 144]);
  });

  it('rejects anything else with a message that says what to pass', () => {
    expect(() => parseBudgets('57,abc')).toThrow(InvalidArgumentError);
    expect(() => parseBudgets('0')).toThrow(/integer >= 1/);
    expect(() => parseBudgets(' , ')).toThrow(/pass e.g./);
  });
});
