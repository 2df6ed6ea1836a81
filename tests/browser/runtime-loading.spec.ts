import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Page, expect, test } from '@playwright/test';
import type { LoadProgressEvent, MaskLlavaError } from '../../src/index.ts';
import { createServer } from 'node:http';
import { requireTinyFixture, TINY_DIR, variant } from './fixture-variants.ts';
import { closeServer, sendFile } from './static-server.ts';
import type { RuntimeWindow } from './pages/runtime.ts';
import { openRuntimePage } from './runtime-page.ts';

/** Loads `url` without the cache and returns how it failed (null if it loaded). */
async function loadFailure(page: Page, url: string) {
  await openRuntimePage(page);
  return page.evaluate(async (url) => {
    const { sdk } = window as unknown as RuntimeWindow;
    try {
      await (await sdk.MaskLlava.load(url, { cacheName: null })).dispose();
      return null;
    } catch (err) {
      const e = err as MaskLlavaError;
      return { name: e.name, isSdkError: err instanceof sdk.MaskLlavaError, code: e.code, message: e.message, details: e.details };
    }
  }, url);
}

test.beforeAll(requireTinyFixture);

test('progress totals are known up front, never decrease and end at total; a second load comes from the Cache API', async ({ page }) => {
  await openRuntimePage(page);
  const modelRequests: string[] = [];
  page.on('request', (req) => {
    if (/generated\/tiny\/.*\.(onnx|json)$/.test(req.url()) && !req.url().endsWith('manifest.json')) modelRequests.push(req.url());
  });
  const r = await page.evaluate(async () => {
    const { sdk, helpers } = window as unknown as RuntimeWindow;
    const first: LoadProgressEvent[] = [];
    const a = await sdk.MaskLlava.load(helpers.fixtureUrl, { onProgress: (e) => first.push(e) });
    const firstSources = a.loadInfo.sources;
    const bytes = a.loadInfo.bytes;
    await a.dispose();
    const afterFirst = performance.now();
    const second: LoadProgressEvent[] = [];
    const b = await sdk.MaskLlava.load(helpers.fixtureUrl, { onProgress: (e) => second.push(e) });
    const secondSources = b.loadInfo.sources;
    await b.dispose();
    return { first, second, firstSources, secondSources, bytes, afterFirst };
  });
  for (const events of [r.first, r.second]) {
    expect(events.length).toBeGreaterThan(2);
    expect(events.every((e) => e.total === r.bytes)).toBe(true);
    const loaded = events.map((e) => e.loaded);
    expect(loaded).toEqual([...loaded].sort((x, y) => x - y));
    expect(events.at(-1)).toMatchObject({ status: 'ready', loaded: r.bytes, total: r.bytes });
    expect(events.filter((e) => e.status === 'ready')).toHaveLength(1);
  }
  const files = Object.keys(r.firstSources);
  expect(files.length).toBe(8);
  expect(Object.values(r.firstSources).every((s) => s === 'network')).toBe(true);
  expect(Object.keys(r.secondSources).sort()).toEqual(files.sort());
  expect(Object.values(r.secondSources).every((s) => s === 'cache')).toBe(true);
  expect(r.second.filter((e) => e.status !== 'ready').every((e) => 'source' in e && e.source === 'cache')).toBe(true);
  // Only the first load touched the network for model files.
  expect(modelRequests.length).toBe(files.length);
});

test('a file whose bytes do not match the manifest fails with IntegrityError naming it', async ({ page }) => {
  const url = variant('runtime-corrupt', (dir) => {
    const path = resolve(dir, 'projector.onnx');
    const bytes = readFileSync(path);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(path, bytes);
  });
  const r = await loadFailure(page, url);
  expect(r).toMatchObject({ name: 'IntegrityError', isSdkError: true, code: 'INTEGRITY' });
  expect(r!.message).toContain('projector.onnx');
});

test('a missing file fails with ModelFileMissingError naming its URL', async ({ page }) => {
  const url = variant('runtime-missing', (dir) => rmSync(resolve(dir, 'llm/embed_tokens.onnx')));
  const r = await loadFailure(page, url);
  expect(r).toMatchObject({ name: 'ModelFileMissingError', isSdkError: true, code: 'MODEL_FILE_MISSING' });
  expect(r!.message).toContain(`${url}llm/embed_tokens.onnx`);
  expect(String(r!.details?.['url'])).toMatch(/runtime-missing\/llm\/embed_tokens\.onnx$/);
});

test("ONNX Runtime's wasm not served: the load fails with SessionError saying the runtime could not start", async ({ page }) => {
  await openRuntimePage(page);
  await page.route(/ort-wasm-simd-threaded[^/?]*\.wasm$/, (route) => route.fulfill({ status: 404, body: 'not here' }));
  const r = await page.evaluate(async () => {
    const { sdk, helpers } = window as unknown as RuntimeWindow;
    return sdk.MaskLlava.load(helpers.fixtureUrl, { cacheName: null, device: 'wasm' }).then(
      (vlm) => vlm.dispose().then(() => null),
      (err: unknown) => ({ name: (err as MaskLlavaError).name, isSdkError: err instanceof sdk.MaskLlavaError, message: (err as Error).message, details: (err as MaskLlavaError).details }),
    );
  });
  expect(r).toMatchObject({ name: 'SessionError', isSdkError: true, details: { session: 'start-up', device: 'wasm' } });
  expect(r!.message).toMatch(/^ONNX Runtime could not start on wasm: .+; check that its \.wasm and \.mjs files are served with the page$/);
});

test('storage quota exceeded while caching: the model loads uncached with a warning, and no cached entry is partial', async ({ page }) => {
  await openRuntimePage(page);
  const cdp = await page.context().newCDPSession(page);
  // 300 kB for this origin: the small files fit, the larger ones do not.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin, quotaSize: 300_000 });
  const r = await page.evaluate(async () => {
    const { sdk, helpers } = window as unknown as RuntimeWindow;
    const cacheName = 'quota-test';
    await caches.delete(cacheName);
    const loaded = await sdk.MaskLlava.load(helpers.fixtureUrl, { cacheName }).then(
      async (vlm) => {
        const info = { device: vlm.device, warnings: vlm.loadInfo.warnings };
        await vlm.dispose();
        return info;
      },
      (err: unknown) => `${(err as Error).name}: ${(err as Error).message}`,
    );
    const manifest = (await (await fetch(`${helpers.fixtureUrl}manifest.json`)).json()) as { files: Record<string, { size: number }> };
    const cache = await caches.open(cacheName);
    const cached = await Promise.all(
      (await cache.keys()).map(async (req) => {
        const path = req.url.slice(new URL(helpers.fixtureUrl, location.href).href.length);
        return { path, bytes: (await (await cache.match(req))!.arrayBuffer()).byteLength, size: manifest.files[path]?.size ?? null };
      }),
    );
    await caches.delete(cacheName);
    return { loaded, cached };
  });
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin });
  expect(typeof r.loaded, String(r.loaded)).toBe('object');
  const warnings = (r.loaded as { warnings: string[] }).warnings;
  expect(warnings.length).toBeGreaterThan(0);
  expect(warnings[0]).toMatch(/could not cache .*\.onnx/);
  // What is cached is whole (the manifest copy included); the rest was not cached at all.
  for (const c of r.cached) if (c.size !== null) expect(c.bytes, c.path).toBe(c.size);
  expect(r.cached.length).toBeLessThan(9);
});

test('offline reload: once a model has loaded, it loads from the Cache API while its server is unreachable', async ({ page }) => {
  await openRuntimePage(page);
  const load = () =>
    page.evaluate(async () => {
      const { sdk, helpers } = window as unknown as RuntimeWindow;
      return sdk.MaskLlava.load(helpers.fixtureUrl, { cacheName: 'offline-test' }).then(
        async (vlm) => {
          const sources = Object.values(vlm.loadInfo.sources);
          await vlm.dispose();
          return sources;
        },
        (err: unknown) => `${(err as Error).name}: ${(err as Error).message}`,
      );
    });
  await page.evaluate(() => caches.delete('offline-test'));
  expect(await load()).toContain('network');
  // The model's server goes away (the page itself still reloads from the dev server).
  let refused = 0;
  await page.route(/\/tests\/fixtures\/generated\/tiny\//, (route) => (refused++, route.abort('connectionrefused')));
  await page.reload();
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
  const offline = await load();
  await page.evaluate(() => caches.delete('offline-test'));
  expect(offline).toEqual(Array(8).fill('cache'));
  expect(refused).toBeGreaterThan(0); // it did try the network first
});

test('connection dropped mid-download: a typed error naming the file, nothing of it cached, and a retry succeeds', async ({ page }) => {
  // The model on its own host (like a CDN), whose connection breaks halfway through the decoder once.
  const port = Number(process.env.TEST_PORT ?? 5199) + 300;
  const cors = { 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin' };
  let dropped = 0;
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = resolve(TINY_DIR, `.${path}`);
    if (path.endsWith('/decoder_model_merged.onnx') && dropped === 0) {
      dropped++;
      const bytes = readFileSync(file);
      res.writeHead(200, { ...cors, 'content-length': bytes.length });
      res.write(bytes.subarray(0, bytes.length >> 1), () => setTimeout(() => res.destroy(), 100));
      return;
    }
    sendFile(req, res, file, cors);
  });
  await new Promise<void>((done) => server.listen(port, done));
  try {
    await openRuntimePage(page);
    const r = await page.evaluate(async (base) => {
      const { sdk } = window as unknown as RuntimeWindow;
      const cacheName = 'dropped-test';
      await caches.delete(cacheName);
      const attempt = () =>
        sdk.MaskLlava.load(base, { cacheName }).then(
          async (vlm) => {
            const sources = vlm.loadInfo.sources;
            await vlm.dispose();
            return sources;
          },
          (err: unknown) => ({ isClass: err instanceof sdk.ModelFileMissingError, message: (err as Error).message, details: (err as MaskLlavaError).details }),
        );
      const first = await attempt();
      const cachedDecoder = (await (await caches.open(cacheName)).match(`${base}llm/decoder_model_merged.onnx`)) !== undefined;
      const retry = await attempt();
      await caches.delete(cacheName);
      return { first, cachedDecoder, retry };
    }, `http://localhost:${port}/`);
    expect(dropped).toBe(1);
    expect(r.first).toMatchObject({ isClass: true, details: { file: 'llm/decoder_model_merged.onnx' } });
    expect((r.first as { message: string }).message).toContain('decoder_model_merged.onnx');
    expect(r.cachedDecoder).toBe(false);
    expect((r.retry as Record<string, string>)['llm/decoder_model_merged.onnx']).toBe('network');
  } finally {
    await closeServer(server);
  }
});

test('unknown device and option values are typed errors, not silently WASM', async ({ page }) => {
  await openRuntimePage(page);
  const r = await page.evaluate(async () => {
    const { sdk, helpers } = window as unknown as RuntimeWindow;
    const bad = [{ device: 'tpu' }, { device: 'gpu' }, { numThreads: 0 }, { numThreads: '2' }, { cacheName: '' }, { cacheName: 5 }];
    return Promise.all(
      bad.map((options) =>
        sdk.MaskLlava.load(helpers.fixtureUrl, options as never).then(
          async (vlm) => `loaded on ${vlm.device}: ${await vlm.dispose()}`,
          (err: unknown) => ({ isClass: err instanceof sdk.InvalidArgumentError, message: (err as Error).message }),
        ),
      ),
    );
  });
  for (const failure of r) expect(failure).toMatchObject({ isClass: true });
  expect(r[0]).toMatchObject({ message: `device must be one of 'auto', 'webgpu', 'wasm', got "tpu"` });
  expect(r[3]).toMatchObject({ message: 'numThreads must be an integer >= 1, got "2" (a string)' });
});

test('aborting a load rejects with an AbortError DOMException; corrupt image bytes fail with ImageDecodeError', async ({ page }) => {
  await openRuntimePage(page);
  const r = await page.evaluate(async () => {
    const { sdk, helpers } = window as unknown as RuntimeWindow;
    const controller = new AbortController();
    const pending = sdk.MaskLlava.load(helpers.fixtureUrl, {
      signal: controller.signal,
      cacheName: null,
      onProgress: (e) => {
        if (e.status === 'progress') controller.abort();
      },
    });
    const aborted = await pending.then(
      () => null,
      (err: unknown) => ({ isDom: err instanceof DOMException, name: (err as Error).name }),
    );
    const vlm = await sdk.MaskLlava.load(helpers.fixtureUrl);
    const garbage = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4, 5, 6, 7, 8])], { type: 'image/png' });
    const corrupt = await vlm.encode(garbage).then(
      () => null,
      (err: unknown) => ({ isClass: err instanceof sdk.ImageDecodeError, code: (err as MaskLlavaError).code }),
    );
    await vlm.dispose();
    return { aborted, corrupt };
  });
  expect(r.aborted).toEqual({ isDom: true, name: 'AbortError' });
  expect(r.corrupt).toEqual({ isClass: true, code: 'IMAGE_DECODE' });
});
