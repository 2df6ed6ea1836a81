import { createHash } from 'node:crypto';
import { expect, test } from 'vitest';
import { IntegrityError } from '../../../src/errors.ts';
import { sha256Hex, verifyFile } from '../../../src/models/verify.ts';

const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31) % 256);
const entry = { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };

test('sha256Hex (WebCrypto) agrees with node:crypto', async () => {
  expect(await sha256Hex(bytes)).toBe(entry.sha256);
});

test('verifyFile accepts matching bytes', async () => {
  await expect(verifyFile('llm/decoder.onnx', bytes, entry)).resolves.toBeUndefined();
});

test('verifyFile rejects a truncated file with an IntegrityError naming it', async () => {
  const err = await verifyFile('llm/decoder.onnx', bytes.subarray(0, 999), entry).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(IntegrityError);
  expect((err as IntegrityError).message).toContain('llm/decoder.onnx');
  expect((err as IntegrityError).details).toMatchObject({ path: 'llm/decoder.onnx', actualSize: 999 });
});

test('verifyFile rejects one flipped byte (same size) by sha256', async () => {
  const corrupt = bytes.slice();
  corrupt[500] = (corrupt[500] as number) ^ 1;
  const err = await verifyFile('encoder/model.onnx', corrupt, entry).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(IntegrityError);
  expect((err as IntegrityError).message).toMatch(/encoder\/model\.onnx.*sha256/);
});
