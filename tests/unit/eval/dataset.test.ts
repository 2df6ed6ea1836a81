import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.ts';
import { type EvalMasksFile, type EvalQuestionsFile, evalItems, maskFromRuns } from '../../../src/eval/dataset.ts';
import { maskToDense } from '../../../src/masks/bitmask.ts';

describe('maskFromRuns', () => {
  it('alternates runs of 0s and 1s, starting with 0s', () => {
    expect([...maskToDense(maskFromRuns([1, 2, 1], 2))]).toEqual([0, 1, 1, 0]);
    expect([...maskToDense(maskFromRuns([0, 3, 1], 2))]).toEqual([1, 1, 1, 0]);
  });

  it('rejects run lengths that do not cover the mask', () => {
    expect(() => maskFromRuns([1, 2], 2)).toThrow(InvalidArgumentError);
  });
});

describe('evalItems', () => {
  const questions: EvalQuestionsFile = {
    questions: [
      { image: 'images/a.png', question: 'How many?', answer: '2', type: 'count' },
      { image: 'images/b.png', question: 'Is there a star?', answer: 'no', type: 'exist' },
      { image: 'images/a.png', question: 'What colour?', answer: 'red', type: 'attribute' },
    ],
  };
  const masks: EvalMasksFile = { size: 2, masks: { 'images/a.png': [{ rle: [0, 1, 3] }, { rle: [3, 1] }] } };

  it('groups questions by image in first-seen order, resolves image URLs and decodes masks', () => {
    const items = evalItems(questions, masks, 'http://x/eval/set/');
    expect(items.map((i) => [i.id, i.image, i.questions.map((q) => q.answer)])).toEqual([
      ['images/a.png', 'http://x/eval/set/images/a.png', ['2', 'red']],
      ['images/b.png', 'http://x/eval/set/images/b.png', ['no']],
    ]);
    expect(items[0]!.instances?.map((m) => m.area)).toEqual([1, 1]);
    expect(items[1]!.instances).toBeUndefined();
  });

  it('reads the shipped ShapesWorld set: 64x64 masks, one non-empty mask per object, known question types', () => {
    const dir = resolve(import.meta.dirname, '../../../public/eval/shapesworld');
    const q = JSON.parse(readFileSync(`${dir}/questions.json`, 'utf8')) as EvalQuestionsFile;
    const m = JSON.parse(readFileSync(`${dir}/masks.json`, 'utf8')) as EvalMasksFile;
    const items = evalItems(q, m, 'http://x/');
    expect(items.length).toBeGreaterThanOrEqual(200);
    expect(items.reduce((n, i) => n + i.questions.length, 0)).toBeGreaterThanOrEqual(600);
    expect(new Set(items.flatMap((i) => i.questions.map((x) => x.type)))).toEqual(new Set(['exist', 'count', 'attribute', 'position']));
    for (const item of items) {
      expect(item.instances?.length).toBeGreaterThan(0);
      for (const mask of item.instances!) expect(mask.size).toBe(64);
    }
  });
});
