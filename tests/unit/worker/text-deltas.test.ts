import { describe, expect, it } from 'vitest';
import { TextDeltas } from '../../../src/worker/text-deltas.ts';

// Byte-level "tokens": each id is one UTF-8 byte, decoded with replacement of broken sequences.
const decodeBytes = (ids: readonly number[]) => new TextDecoder().decode(Uint8Array.from(ids));

describe('TextDeltas', () => {
  it('concatenated deltas equal the decoded text, multi-byte characters arriving whole', () => {
    const bytes = [...new TextEncoder().encode('a é 猫 🐱!')];
    const deltas = new TextDeltas(decodeBytes);
    const out = bytes.map((b) => deltas.push(b));
    out.push(deltas.flush());
    expect(out.join('')).toBe('a é 猫 🐱!');
    expect(out.some((d) => d.includes('\uFFFD'))).toBe(false);
    expect(out).toContain('🐱');
  });

  it('does not hold invalid bytes back for more than three tokens', () => {
    const deltas = new TextDeltas(decodeBytes);
    const out = [0xff, 0xff, 0xff, 0xff, 0x61].map((b) => deltas.push(b));
    expect(out.slice(0, 3).join('')).toBe('');
    expect(out[3]).toBe('\uFFFD'.repeat(4));
    expect(out[4]).toBe('a');
  });
});
