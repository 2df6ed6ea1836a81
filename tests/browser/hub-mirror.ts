/**
 * A local stand-in for the Hugging Face Hub's file endpoint, serving the Hub-layout fixtures
 * (`npm run fixtures` writes them to tests/fixtures/generated/hub/<owner>/<name>/):
 * `GET|HEAD /<owner>/<name>/resolve/<revision>/<path>` with the headers a browser client sees from
 * the Hub: Content-Length, byte ranges, CORS (any origin; content-length, content-range, etag,
 * x-linked-etag, x-linked-size exposed), and for LFS files (*.onnx, *.onnx_data*) `ETag` and
 * `X-Linked-Etag` = the quoted sha256 of the content and `X-Linked-Size`. Small files get the git
 * blob sha1 as ETag, as the Hub does. Missing files and revisions other than `main` are 404 with
 * the Hub's X-Error-Code. Playwright starts it (playwright.config.ts); `npx tsx
 * tests/browser/hub-mirror.ts [port]` runs it by hand.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createServer, type OutgoingHttpHeaders, type Server } from 'node:http';
import { join, normalize, resolve } from 'node:path';
import { sendFile } from './static-server.ts';

/** Where the mirror's repos live. */
export const HUB_FIXTURES_DIR = resolve(import.meta.dirname, '../fixtures/generated/hub');

/** The mirror's port: the test port + 100 (5299 by default). */
export const HUB_MIRROR_PORT = Number(process.env.TEST_PORT ?? 5199) + 100;

/** Base URL of the mirror with a trailing slash: what transformers.js's env.remoteHost and the SDK's host take. */
export function hubMirrorUrl(): string {
  return `http://localhost:${HUB_MIRROR_PORT}/`;
}

/** Files the Hub stores in LFS (their ETag is the content's sha256). */
const isLfs = (path: string) => /\.onnx(_data(_\d+)?)?$/.test(path);

const CORS: OutgoingHttpHeaders = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'content-length, content-range, accept-ranges, etag, x-linked-etag, x-linked-size, x-error-code',
  'cross-origin-resource-policy': 'cross-origin',
};

const etags = new Map<string, { mtimeMs: number; size: number; etag: string }>();

/** The Hub's ETag of a file: sha256 of the content for LFS files, else the git blob sha1. Cached per mtime. */
function etagOf(file: string, lfs: boolean): { etag: string; size: number } | undefined {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat?.isFile()) return undefined;
  const cached = etags.get(file);
  if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached;
  const bytes = readFileSync(file);
  const hash = lfs ? createHash('sha256').update(bytes) : createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes);
  const entry = { mtimeMs: stat.mtimeMs, size: stat.size, etag: hash.digest('hex') };
  etags.set(file, entry);
  return entry;
}

/** Serves `root` (default {@link HUB_FIXTURES_DIR}) under the Hub's resolve URLs on `port`. */
export function serveHubMirror(port = HUB_MIRROR_PORT, root = HUB_FIXTURES_DIR): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...CORS, 'access-control-allow-methods': 'GET, HEAD, OPTIONS', 'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*', 'access-control-max-age': '600' }).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/') {
      res.writeHead(200, { ...CORS, 'content-type': 'text/plain' }).end('Hub mirror of tests/fixtures/generated/hub: GET /<owner>/<name>/resolve/main/<path>\n');
      return;
    }
    const m = /^\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const path = m ? normalize(decodeURIComponent(m[4] as string)) : '';
    if (!m || path.startsWith('..')) {
      res.writeHead(404, { ...CORS, 'x-error-code': 'RepoNotFound' }).end('Repository not found');
      return;
    }
    const repoDir = join(root, decodeURIComponent(m[1] as string), decodeURIComponent(m[2] as string));
    if (!statSync(repoDir, { throwIfNoEntry: false })?.isDirectory()) {
      res.writeHead(404, { ...CORS, 'x-error-code': 'RepoNotFound' }).end('Repository not found');
      return;
    }
    if (decodeURIComponent(m[3] as string) !== 'main') {
      res.writeHead(404, { ...CORS, 'x-error-code': 'RevisionNotFound' }).end('Revision not found');
      return;
    }
    const file = join(repoDir, path);
    const lfs = isLfs(path);
    const tag = file.startsWith(repoDir) ? etagOf(file, lfs) : undefined;
    if (!tag) {
      res.writeHead(404, { ...CORS, 'x-error-code': 'EntryNotFound' }).end('Entry not found');
      return;
    }
    const quoted = `"${tag.etag}"`;
    sendFile(req, res, file, { ...CORS, etag: quoted, ...(lfs ? { 'x-linked-etag': quoted, 'x-linked-size': String(tag.size) } : {}) });
  });
  return new Promise((done) => server.listen(port, () => done(server)));
}

// Run directly: serve until killed.
if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const port = process.argv[2] ? Number(process.argv[2]) : HUB_MIRROR_PORT;
  await serveHubMirror(port);
  console.log(`hub mirror: ${HUB_FIXTURES_DIR} on http://localhost:${port}/`);
}
