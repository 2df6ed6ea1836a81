import { describe, expect, it } from 'vitest';
import { BudgetError, MaskLlavaError, deserializeError, serializeError } from '../../src/errors.ts';

describe('errors across the worker boundary', () => {
  it('rebuilds the class, code, message and details from plain data', () => {
    const original = new BudgetError('budget must be an integer >= 1; pass e.g. 57', { budget: 0.5 });
    const copy = deserializeError(structuredClone(serializeError(original)));
    expect(copy).toBeInstanceOf(BudgetError);
    expect(copy).toBeInstanceOf(MaskLlavaError);
    expect((copy as BudgetError).code).toBe('INVALID_BUDGET');
    expect(copy.message).toBe(original.message);
    expect((copy as BudgetError).details).toEqual({ budget: 0.5 });
  });

  it('keeps AbortError a DOMException named AbortError', () => {
    const copy = deserializeError(serializeError(new DOMException('stopped', 'AbortError')));
    expect(copy).toBeInstanceOf(DOMException);
    expect(copy.name).toBe('AbortError');
  });
});
