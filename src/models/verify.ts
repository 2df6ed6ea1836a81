/** Integrity check of downloaded model files against the manifest (size, then SHA-256 via WebCrypto). */
import { IntegrityError } from '../errors.ts';
import type { ManifestFile } from './manifest.ts';

/** Lower-case hex SHA-256 of `bytes` (crypto.subtle, available in browsers, workers and node). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Throws {@link IntegrityError} naming `path` when `bytes` do not have the manifest entry's size
 * or sha256 (size is checked first: it is free and catches truncated downloads). An entry without
 * sha256 (a published file whose host gives no hash) is checked by size only.
 */
export async function verifyFile(path: string, bytes: Uint8Array, entry: ManifestFile): Promise<void> {
  if (bytes.byteLength !== entry.size) {
    throw new IntegrityError(`model file '${path}' has ${bytes.byteLength} bytes but the manifest says ${entry.size}; re-download it or regenerate the manifest`, {
      path,
      expectedSize: entry.size,
      actualSize: bytes.byteLength,
    });
  }
  if (entry.sha256 === undefined) return;
  const actual = await sha256Hex(bytes);
  if (actual !== entry.sha256) {
    throw new IntegrityError(`model file '${path}' has sha256 ${actual} but the manifest says ${entry.sha256}; re-download it or regenerate the manifest`, {
      path,
      expectedSha256: entry.sha256,
      actualSha256: actual,
    });
  }
}
