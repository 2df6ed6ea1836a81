/**
 * A headless page for the tools (`npm run eval`, `sweep`, `bench`): starts the Vite dev server on a
 * free port (pages import src/ directly, as the tests do), launches Chromium and opens `path`.
 * close() stops both, so no browser or server outlives the tool.
 */
import { createServer as createNetServer } from 'node:net';
import { resolve } from 'node:path';
import { type Browser, type BrowserContextOptions, chromium, type Page } from '@playwright/test';
import { createServer, type ViteDevServer } from 'vite';
import { chromiumArgs, chromiumPath } from './chromium.ts';

/** The repository root (the Vite root). */
export const repoRoot = resolve(import.meta.dirname, '../..');

/** An open page with what is needed to report and to clean up. */
export interface BrowserSession {
  page: Page;
  /** Chromium's version string, e.g. "156.0.8078.108". */
  browserVersion: string;
  close(): Promise<void>;
}

/** Options of {@link openPage}. */
export interface OpenPageOptions {
  /** Extra Chromium flags (e.g. --enable-unsafe-webgpu). */
  args?: string[];
  /** Print the page's console errors and warnings to stderr. @defaultValue true */
  forwardConsole?: boolean;
  /** Viewport, device scale factor, mobile emulation and the like for the page's context. */
  context?: BrowserContextOptions;
  /** Runs on the blank page before navigation: init scripts, CDP emulation, tracing. */
  beforeGoto?: (page: Page) => Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createNetServer();
    srv.once('error', fail);
    srv.listen(0, () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => done(port));
    });
  });
}

/** Serves the repository and opens `path` (e.g. '/tools/pages/sweep.html') in headless Chromium. */
export async function openPage(path: string, opts: OpenPageOptions = {}): Promise<BrowserSession> {
  let server: ViteDevServer | undefined;
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close();
    await server?.close();
  };
  try {
    const port = Number(process.env.TOOL_PORT) || (await freePort());
    server = await createServer({ root: repoRoot, logLevel: 'warn', server: { port, strictPort: true, open: false } });
    await server.listen();
    browser = await chromium.launch({ executablePath: chromiumPath, args: [...chromiumArgs, ...(opts.args ?? [])] });
    const page = await browser.newPage(opts.context);
    if (opts.forwardConsole ?? true) {
      page.on('console', (msg) => {
        if (msg.type() === 'error' || msg.type() === 'warning') console.error(`[page ${msg.type()}] ${msg.text()}`);
      });
      page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
    }
    await opts.beforeGoto?.(page);
    await page.goto(`http://localhost:${port}${path}`);
    return { page, browserVersion: browser.version(), close };
  } catch (err) {
    await close();
    throw err;
  }
}
