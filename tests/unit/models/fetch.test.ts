import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ModelFileMissingError } from '../../../src/errors.ts';
import { ModelDownloader, fetchModelFiles } from '../../../src/models/fetch.ts';
import type { ManifestFile } from '../../../src/models/manifest.ts';
import type { FileProgressEvent } from '../../../src/models/progress.ts';
import { sha256Hex } from '../../../src/models/verify.ts';

// A real HTTP server with the faults a user's network produces: a missing file, a slow one, and a
// connection that drops halfway through a body.
const SIZE = 1 << 20;
const CHUNK = 1 << 16;
const bytes = Uint8Array.from({ length: SIZE }, (_, i) => (i * 2654435761) >>> 24);
let entry: ManifestFile;
let server: Server;
let base: string;
let dropNext = true;

beforeAll(async () => {
  entry = { size: SIZE, sha256: await sha256Hex(bytes) };
  server = createServer((req, res) => {
    const name = req.url?.slice(1);
    if (name === 'missing.bin') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': SIZE });
    if (name === 'drop.bin' && dropNext) {
      dropNext = false;
      res.write(bytes.subarray(0, SIZE / 2), () => setTimeout(() => res.destroy(), 50));
      return;
    }
    // slow.bin: one chunk every 50 ms (about 0.8 s in all); others at once.
    const delay = name === 'slow.bin' ? 50 : 0;
    let offset = 0;
    const next = () => {
      if (res.destroyed) return;
      res.write(bytes.subarray(offset, offset + CHUNK));
      offset += CHUNK;
      if (offset < SIZE) setTimeout(next, delay);
      else res.end();
    };
    next();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const files = () => ({ 'missing.bin': entry, 'slow.bin': entry, 'drop.bin': entry, 'fast.bin': entry });

test('once a file fails, the other downloads stop and no progress event follows the rejection', async () => {
  const events: FileProgressEvent[] = [];
  const failure = await fetchModelFiles(base, files(), ['slow.bin', 'missing.bin'], { cacheName: null, onProgress: (e) => events.push(e) }).catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(ModelFileMissingError);
  const atRejection = events.length;
  await new Promise((resolve) => setTimeout(resolve, 1200)); // longer than slow.bin takes
  expect(events.slice(atRejection)).toEqual([]);
});

test('a connection dropped mid-download is a ModelFileMissingError naming the file; a retry succeeds', async () => {
  const failure = await fetchModelFiles(base, files(), ['drop.bin'], { cacheName: null }).catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(ModelFileMissingError);
  expect((failure as ModelFileMissingError).message).toMatch(/drop\.bin.*try again/);
  expect((failure as ModelFileMissingError).details).toMatchObject({ file: 'drop.bin', url: `${base}drop.bin` });
  const retry = await fetchModelFiles(base, files(), ['drop.bin'], { cacheName: null });
  expect(Buffer.from(retry.get('drop.bin')!).equals(bytes)).toBe(true); // (toEqual on 1 MB takes seconds)
});

test('stop() ends a load: the download under way and later steps reject with its reason, and no progress event follows', async () => {
  const events: FileProgressEvent[] = [];
  const downloader = new ModelDownloader(base, files(), ['slow.bin', 'fast.bin'], { cacheName: null, onProgress: (e) => events.push(e) });
  const slow = downloader.fetch(['slow.bin']).catch((e: unknown) => e);
  const reason = new Error('the tokenizer could not be read');
  await new Promise((resolve) => setTimeout(resolve, 200)); // slow.bin is under way
  downloader.stop(reason);
  expect(await slow).toBe(reason);
  const atStop = events.length;
  await expect(downloader.fetch(['fast.bin'])).rejects.toBe(reason);
  await new Promise((resolve) => setTimeout(resolve, 1000)); // longer than slow.bin would have taken
  expect(events.slice(atStop)).toEqual([]);
});
