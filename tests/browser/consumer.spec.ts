import { expect, test } from '@playwright/test';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// The package as a user gets it: `npm pack` the library, install the tarball into a fresh Vite
// app outside the repo, type-check and build that app, serve the build with `vite preview` (no
// COOP/COEP headers, like most static hosts) and answer one question on the tiny fixture model.
// This is what proves the exports map, the types, and the worker and wasm assets resolve through
// a bundler.

const repo = resolve(import.meta.dirname, '../..');
const appSource = join(repo, 'tests/browser/consumer');
const fixture = join(repo, 'tests/fixtures/generated/tiny');
const bin = (pkg: string, file: string): string => join(repo, 'node_modules', pkg, file);
// Its own port: TEST_PORT+100 is the Hub mirror, +200 the static-build test, +300 the loading tests.
const port = Number(process.env.TEST_PORT ?? 5199) + 400;

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Removes the apps of other tarballs (about 500 MB each) left by earlier runs. One touched in the
 * last hour may be serving a concurrent run from another worktree, so it stays until later.
 */
function removeStaleApps(keep: string): void {
  const cutoff = Date.now() - 3_600_000;
  for (const name of readdirSync(tmpdir())) {
    const dir = join(tmpdir(), name);
    if (!name.startsWith('mask-llava-consumer-') || dir === keep) continue;
    const mtime = statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? Infinity;
    if (mtime < cutoff) rmSync(dir, { recursive: true, force: true });
  }
}

/** Packs, installs and builds the app once per tarball content (both browser projects reuse it). */
function buildApp(): string {
  run('npm', ['run', 'build'], repo);
  const packDir = join(tmpdir(), 'mask-llava-pack');
  rmSync(packDir, { recursive: true, force: true });
  mkdirSync(packDir, { recursive: true });
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', packDir], repo)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const tarball = join(packDir, packed!.filename);
  const key = createHash('sha256').update(readFileSync(tarball)).update(readFileSync(join(appSource, 'main.ts'))).digest('hex').slice(0, 12);
  const app = join(tmpdir(), `mask-llava-consumer-${key}`);
  removeStaleApps(app);
  if (existsSync(join(app, 'dist/index.html'))) {
    // Marks the cached app as in use for removeStaleApps in other runs.
    const now = new Date();
    utimesSync(app, now, now);
    return app;
  }

  rmSync(app, { recursive: true, force: true });
  cpSync(appSource, app, { recursive: true });
  cpSync(tarball, join(app, 'mask-llava-web.tgz'));
  cpSync(fixture, join(app, 'public/models/tiny'), { recursive: true });
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'consumer-app', private: true, type: 'module', dependencies: { 'mask-llava-web': 'file:./mask-llava-web.tgz' } }, null, 2),
  );
  // Offline first: the registry is only asked for what the local npm cache lacks.
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], app);
  run(process.execPath, [bin('typescript', 'bin/tsc'), '-p', 'tsconfig.json'], app);
  run(process.execPath, [bin('vite', 'bin/vite.js'), 'build'], app);
  return app;
}

let server: ChildProcess | undefined;

test.beforeAll(async () => {
  test.setTimeout(600_000);
  const app = buildApp();
  server = spawn(process.execPath, [bin('vite', 'bin/vite.js'), 'preview', '--port', String(port), '--strictPort'], { cwd: app, stdio: 'ignore' });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://localhost:${port}/`)).ok) break;
    } catch {
      if (i > 100) throw new Error(`vite preview did not start on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
});

test.afterAll(() => {
  server?.kill();
});

test('a fresh Vite app that installs the packed tarball answers a question', async ({ page }, info) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://localhost:${port}/?device=${info.project.name}`);
  const out = page.locator('#out');
  await expect(out).not.toBeEmpty({ timeout: 90_000 });
  const result = JSON.parse((await out.textContent())!) as Record<string, unknown>;
  console.log('consumer app:', JSON.stringify(result));
  expect(result.error).toBeUndefined();
  expect(result.device).toBe(info.project.name);
  expect(result.isolated).toBe(false);
  expect(result.tokens).toBeLessThanOrEqual(15);
  expect(result.prefillTokens).toBeGreaterThan(result.tokens as number);
  expect(result.generatedTokens).toBeGreaterThan(0);
  expect((result.text as string).length).toBeGreaterThan(0);
  expect(errors).toEqual([]);
});
