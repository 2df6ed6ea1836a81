import { expect, test, type Page, type Route, type TestInfo } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { variant } from './fixture-variants.ts';
import { closeServer, serveStatic } from './static-server.ts';

// The demo page on the real runtime and a real model, driven as a visitor would.

/**
 * The page on its embedded default model (ShapesWorld). WebGPU here is SwiftShader, a software
 * adapter for correctness only: it took over 8 minutes to segment one ShapesWorld scene (a 16x16
 * point grid), so the webgpu project drives the same page on the tiny fixture model, forcing
 * WebGPU ('auto' passes over software adapters).
 */
function demoUrl(project: string): string {
  return project === 'webgpu' ? '/demo/index.html?model=/tests/fixtures/generated/tiny/manifest.json&device=webgpu' : '/demo/index.html';
}
const BREAKDOWN = /^(\d+) CLS \+ (\d+) patch \+ (\d+) object = (\d+) of (\d+)$/;

interface Breakdown {
  cls: number;
  patch: number;
  objects: number;
  total: number;
  of: number;
}

/** The breakdown line's numbers, checked against each other and against the chip strip. */
async function breakdown(page: Page): Promise<Breakdown> {
  const text = (await page.locator('#breakdown').textContent()) ?? '';
  const m = BREAKDOWN.exec(text);
  expect(m, `breakdown text: ${text}`).not.toBeNull();
  const [cls, patch, objects, total, of] = m!.slice(1).map(Number) as [number, number, number, number, number];
  expect(cls + patch + objects).toBe(total);
  expect(total).toBeLessThanOrEqual(of);
  await expect(page.locator('#strip .chip')).toHaveCount(total);
  await expect(page.locator('#strip .chip.object')).toHaveCount(objects);
  return { cls, patch, objects, total, of };
}

/** The stage as shown (the image canvas and the token layer above it), as a PNG. */
function stagePixels(page: Page): Promise<Buffer> {
  return page.locator('#stage').screenshot({ animations: 'disabled' });
}

/** The overlay shows as many masks (fill, outline and label) as object tokens as the breakdown counts, and every mask in some state. */
async function expectMaskStates(page: Page, objects: number): Promise<void> {
  const layer = page.locator('#token-layer');
  for (const part of ['g.fills path.object', 'g.outlines path.object', '.mask-label.object']) await expect(layer.locator(part)).toHaveCount(objects);
  const masks = await layer.locator('g.outlines path').count();
  expect(masks).toBeGreaterThanOrEqual(objects);
  await expect(layer.locator('g.outlines path:is(.object, .cut, .pruned)')).toHaveCount(masks);
}

async function openDemo(page: Page, project: string, url = demoUrl(project)): Promise<string[]> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await expect(page.locator('#loading')).toBeHidden({ timeout: 60_000 });
  await expect(page.locator('#device')).toHaveText(project === 'webgpu' ? 'WebGPU' : 'WASM');
  await expect(page.locator('#device-why')).not.toBeEmpty();
  // Where the load's time went: the cold-start benchmark reads the same figures.
  const load = page.locator('#load-info');
  await expect(load).toHaveText(/^Model (downloaded|read from the cache) \([\d.]+ [kM]?B\): runtime started in [\d.]+ m?s while waiting for files [\d.]+ m?s, creating sessions [\d.]+ m?s\.$/);
  const parts = await load.evaluate((el) => [Number(el.dataset.fetchMs), Number(el.dataset.runtimeMs), Number(el.dataset.sessionMs)]);
  for (const ms of parts) expect(ms).toBeGreaterThan(0);
  return errors;
}

/** Waits for an answer panel to finish and returns its text. */
async function answered(page: Page, index: number): Promise<string> {
  const panel = page.locator('.answer').nth(index);
  await expect(panel.locator('.answer-meta')).toContainText('generated', { timeout: 100_000 });
  const generated = /(\d+) tokens? generated/.exec((await panel.locator('.answer-meta').textContent()) ?? '');
  expect(Number(generated?.[1])).toBeGreaterThan(0);
  const text = (await panel.locator('.answer-text').textContent()) ?? '';
  expect(text.length).toBeGreaterThan(0);
  return text;
}

/**
 * Makes a load fail while another file is still downloading, with the page's main thread busy, so
 * the worker's rejection and its later progress messages queue up together (as on a slow machine):
 * `failing` answers at once (the test makes it fail), `streaming` is held until `failing` has
 * answered, then let through while the main thread stays busy for `busyMs`.
 */
async function failWhileStreaming(page: Page, failing: RegExp, streaming: RegExp, busyMs = 4000): Promise<void> {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  await page.route(streaming, async (route: Route) => {
    await gate;
    await route.continue().catch(() => undefined); // the page may have given up on it meanwhile
  });
  const failed = page.waitForResponse(failing);
  const busy = page.evaluate((ms) => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  }, busyMs);
  await failed;
  open();
  await busy;
  await page.waitForTimeout(500); // messages queued behind the busy spell are delivered
}

async function screenshot(page: Page, info: TestInfo, name: string): Promise<void> {
  const path = info.outputPath(`${name}-${info.project.name}.png`);
  await page.screenshot({ path, fullPage: true });
  await info.attach(name, { path, contentType: 'image/png' });
}

test('desktop: sample, slider re-plans the overlay, compare mode answers side by side', async ({ page }, info) => {
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  const errors = await openDemo(page, info.project.name);

  // The page opens the first sample by itself; choose another one.
  const samples = page.locator('.sample');
  await expect(samples.first()).toHaveClass(/active/, { timeout: 100_000 });
  expect(await samples.count()).toBeGreaterThan(1);
  await samples.nth(1).click();
  await expect(samples.nth(1)).toHaveClass(/active/, { timeout: 100_000 });
  await expect(page.locator('#image-info')).toContainText(/masks · encode/);
  const stages = await page.locator('#image-info').evaluate((el) => ['decodeMs', 'preprocessMs', 'encodeMs', 'segmentMs'].map((k) => Number(el.dataset[k])));
  for (const ms of stages) expect(ms).toBeGreaterThanOrEqual(0);
  expect(stages[2]! + stages[3]!).toBeGreaterThan(0);
  await expect(page.locator('#cls-norm')).toHaveText(/‖x‖ \d+\.\d/);
  const before = await breakdown(page);
  await expectMaskStates(page, before.objects);
  const pixelsBefore = await stagePixels(page);

  // Fewer tokens: the plan, its text, its chips and the overlay all follow the slider.
  await page.locator('#budget').fill('15');
  await expect(page.locator('#budget-value')).toHaveText('15');
  const after = await breakdown(page);
  expect(after.total).toBeLessThanOrEqual(15);
  expect(after.total).toBeLessThan(before.total);
  expect(after.of).toBe(before.of);
  expect((await stagePixels(page)).equals(pixelsBefore)).toBe(false);
  await expectMaskStates(page, after.objects);
  // Chip tooltips are written when the pointer reaches a chip, for the plan shown.
  await page.locator('#strip .chip.patch').last().hover();
  await expect(page.locator('#strip .chip.patch').last()).toHaveAttribute('title', /^patch \((\d+), \1\) of the (\d+)x\2 pooled grid$/);

  await page.locator('#compare').check();
  await page.locator('#question').fill('How many circles are there?');
  await page.locator('#ask').click();
  const panels = page.locator('.answer');
  await expect(panels).toHaveCount(2);
  await expect(panels.nth(0).locator('h3')).toHaveText(`all ${after.of} tokens`);
  await expect(panels.nth(1).locator('h3')).toHaveText(`${after.total} tokens`);
  await answered(page, 0);
  await answered(page, 1);
  await expect(panels.nth(1).locator('.answer-meta')).toContainText('faster than with all tokens');
  await expect(page.locator('#error')).toBeHidden();
  expect(errors).toEqual([]);
  await screenshot(page, info, 'demo-1280x800');
});

test('phone: presets, a streamed answer, and a corrupt image reported without losing the page', async ({ page }, info) => {
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 390, height: 844 });
  const errors = await openDemo(page, info.project.name);
  await expect(page.locator('.sample').first()).toHaveClass(/active/, { timeout: 100_000 });
  // The layout fits the phone's width: nothing scrolls sideways.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

  await page.locator('.preset', { hasText: '29' }).click();
  await expect(page.locator('#budget-value')).toHaveText('29');
  expect((await breakdown(page)).total).toBeLessThanOrEqual(29);

  await page.locator('#question').fill('Is there a red circle?');
  await page.locator('#ask').click();
  await answered(page, 0);
  const planned = await breakdown(page);
  await expect(page.locator('.answer h3')).toHaveText(`${planned.total} tokens`);
  await screenshot(page, info, 'demo-390x844');

  await page.locator('#file').setInputFiles({ name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from('not a png at all') });
  await expect(page.locator('#error')).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('#error')).toContainText('broken.png');
  // The previous image, its plan and its sample's highlight stay.
  await expect(page.locator('#breakdown')).toHaveText(BREAKDOWN);
  await expect(page.locator('.sample.active')).toHaveCount(1);
  // A later answer on that image clears the stale error.
  await page.locator('#ask').click();
  await expect(page.locator('#error')).toBeHidden();
  await answered(page, 0);
  await expect(page.locator('#error')).toBeHidden();
  expect(errors).toEqual([]);
});

test('the demo and experiment pages declare an icon that loads (else browsers ask for /favicon.ico: a 404)', async ({ page }) => {
  // The browser's own icon request is not a page request Playwright sees, so check what it would fetch.
  for (const path of ['/demo/index.html?device=wasm', '/demo/experiments.html']) {
    await page.goto(path);
    const icon = await page.evaluate(async () => {
      const href = document.querySelector<HTMLLinkElement>('link[rel~="icon"]')?.href;
      return href ? { href, status: (await fetch(href)).status } : null;
    });
    expect(icon, `${path} declares no icon`).not.toBeNull();
    expect(icon!.status, icon!.href).toBe(200);
  }
});

test('a model that cannot load says so instead of leaving a blank page', async ({ page }) => {
  await page.goto('/demo/index.html?model=/no/such/model/manifest.json');
  await expect(page.locator('#loading')).toHaveClass(/failed/, { timeout: 30_000 });
  await expect(page.locator('#progress-text')).toContainText('/no/such/model/manifest.json');
  await expect(page.locator('#device')).toHaveText('not loaded');
});

test('a load failure stays on screen: downloads still under way do not overwrite it', async ({ page }) => {
  const url = variant('demo-missing-late', (dir) => rmSync(resolve(dir, 'llm/tokenizer_config.json')));
  await page.goto(`/demo/index.html?device=wasm&model=${url}manifest.json`, { waitUntil: 'commit' });
  await failWhileStreaming(page, /demo-missing-late\/llm\/tokenizer_config\.json$/, /demo-missing-late\/llm\/decoder_model_merged\.onnx$/);
  await expect(page.locator('#loading')).toHaveClass(/failed/, { timeout: 30_000 });
  await expect(page.locator('#progress-text')).toContainText('tokenizer_config.json');
  await expect(page.locator('#loading')).toHaveClass(/failed/);
});

test('an unknown ?device= value is reported, not silently run on WASM', async ({ page }) => {
  await page.goto('/demo/index.html?device=gpu');
  await expect(page.locator('#loading')).toHaveClass(/failed/, { timeout: 30_000 });
  await expect(page.locator('#progress-text')).toContainText(`device must be one of 'auto', 'webgpu', 'wasm', got "gpu"`);
  await expect(page.locator('#device')).toHaveText('not loaded');
});

test.describe('static build', () => {
  const repo = resolve(import.meta.dirname, '../..');
  const port = Number(process.env.TEST_PORT ?? 5199) + 200;
  let site: string;
  let server: Server;

  test.beforeAll(() => {
    site = mkdtempSync(join(tmpdir(), 'mask-llava-demo-site-'));
    execFileSync(process.execPath, [join(repo, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', site, '--emptyOutDir'], { cwd: repo, stdio: 'pipe' });
    cpSync(join(repo, 'tests/fixtures/generated/tiny'), join(site, 'models/tiny'), { recursive: true });
  });
  test.beforeEach(async () => {
    server = await serveStatic(site, port);
  });
  test.afterEach(() => closeServer(server));
  test.afterAll(() => rmSync(site, { recursive: true, force: true }));

  test('works from a plain static host without COOP/COEP, with a model at a relative URL', async ({ page }, info) => {
    test.setTimeout(300_000);
    const device = info.project.name === 'webgpu' ? '&device=webgpu' : '';
    await openDemo(page, info.project.name, `http://localhost:${port}/demo/index.html?model=../models/tiny/manifest.json${device}`);
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(false);
    if (info.project.name === 'wasm') await expect(page.locator('#device-why')).toContainText('1 WASM thread');
    await expect(page.locator('#breakdown')).toHaveText(BREAKDOWN, { timeout: 100_000 });
    await page.locator('#question').fill('How many squares are there?');
    await page.locator('#ask').click();
    await answered(page, 0);
  });
});
