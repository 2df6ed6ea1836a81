/**
 * Argument checks shared by the pure modules. Each throws the typed error whose message names the
 * argument, what it got and what to pass instead.
 */
import { DimensionError, InvalidArgumentError } from './errors.ts';

/** A value as an error message shows it: strings quoted and named, so "57" does not read as 57. */
export function describeValue(value: unknown): string {
  return typeof value === 'string' ? `${JSON.stringify(value)} (a string)` : String(value);
}

/** Throws InvalidArgumentError unless `value` is an integer >= `min`. */
export function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${describeValue(value)}`, { [name]: value });
  }
}

/** Throws InvalidArgumentError unless `value` is a number other than NaN (NaN breaks every comparison). */
export function checkNumber(name: string, value: number): void {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new InvalidArgumentError(`${name} must be a number, got ${describeValue(value)}`, { [name]: value });
  }
}

/** Throws DimensionError unless `length` equals `expected`; `what` says how `expected` is made. */
export function checkLength(name: string, length: number, expected: number, what: string): void {
  if (length !== expected) {
    throw new DimensionError(`${name} has ${length} elements but ${what} = ${expected}; pass an array of that length`, {
      [name]: length,
      expected,
    });
  }
}
