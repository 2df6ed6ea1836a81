import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';

// A plain static file server, like most hosts: no COOP/COEP headers, so pages served from it are
// not cross-origin isolated and ORT must run single-threaded WASM. sendFile is shared with the Hub
// mirror (hub-mirror.ts).

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.onnx': 'application/octet-stream',
};

/** The byte range a `Range: bytes=...` header asks for (one range; null = the whole file, 'bad' = unsatisfiable). */
function byteRange(header: string | undefined, size: number): { start: number; end: number } | null | 'bad' {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header ?? '');
  if (!m || (m[1] === '' && m[2] === '')) return null;
  const [start, end] = m[1] === '' ? [Math.max(0, size - Number(m[2])), size - 1] : [Number(m[1]), m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)];
  return start > end || start >= size ? 'bad' : { start, end };
}

/**
 * Answers GET/HEAD for `file` with Content-Length (and a single byte range when asked, as CDNs
 * do), plus `headers`; 404 when it is not a file.
 */
export function sendFile(req: IncomingMessage, res: ServerResponse, file: string, headers: OutgoingHttpHeaders = {}): void {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat?.isFile()) {
    res.writeHead(404, headers).end('not found');
    return;
  }
  const base = { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'accept-ranges': 'bytes' };
  const range = byteRange(req.headers.range, stat.size);
  if (range === 'bad') {
    res.writeHead(416, { ...base, 'content-range': `bytes */${stat.size}` }).end();
    return;
  }
  const { start, end } = range ?? { start: 0, end: stat.size - 1 };
  res.writeHead(range ? 206 : 200, {
    ...base,
    'content-length': String(stat.size === 0 ? 0 : end - start + 1),
    ...(range ? { 'content-range': `bytes ${start}-${end}/${stat.size}` } : {}),
  });
  if (req.method === 'HEAD' || stat.size === 0) res.end();
  else createReadStream(file, { start, end }).pipe(res);
}

/** Serves `root` on `port`, with `headers` on every answer, until the returned server is closed. */
export function serveStatic(root: string, port: number, headers: OutgoingHttpHeaders = {}): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(root, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(root)) {
      res.writeHead(404).end('not found');
      return;
    }
    sendFile(req, res, file, headers);
  });
  return new Promise((resolve) => server.listen(port, () => resolve(server)));
}

/**
 * Closes `server` without waiting for the page: a response the page left unread holds its socket
 * open until the page closes, and Playwright closes it only after the test's hooks (a CI run hung
 * in demo.spec.ts's afterEach until the test timed out).
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
}
