import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';

// The experiment page end to end on the shipped model: a one-image sweep at two budgets with both
// token kinds, its charts and table, CSV/JSON export, and a stop that keeps the partial result.
test('experiment page: runs a sweep, plots it, exports CSV and JSON, and stops on request', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/demo/experiments.html?device=wasm');
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await expect(page.getByLabel('shapesworld')).toBeChecked();
  await expect(page.locator('#device')).toHaveValue('wasm');
  await page.fill('#limit', '1');
  await page.fill('#budgets', '57, 15');
  await page.click('#run');
  await expect(page.locator('#status')).toHaveText(/^Done: \d+ answers/, { timeout: 150_000 });

  const rows = page.locator('#table tbody tr');
  await expect(rows).toHaveCount(4); // two kinds x two budgets
  await expect(rows.first().locator('td').first()).toHaveText('shapesworld · three kinds');
  await expect(page.locator('#accuracy-chart svg path')).toHaveCount(2);
  await expect(page.locator('#latency-chart svg circle')).toHaveCount(4);
  expect(await page.locator('#progress').evaluate((p: HTMLProgressElement) => p.value === p.max && p.max > 0)).toBe(true);

  const csvDownload = page.waitForEvent('download');
  await page.click('#export-csv');
  const csv = (await readFile(await (await csvDownload).path())).toString().trim().split('\n');
  expect(csv[0]).toMatch(/^variant,policy,budget,item,type,question,expected,answer,correct,/);
  const answers = csv.length - 1;
  expect(answers).toBe(Number((await page.locator('#status').textContent())?.match(/(\d+) answers/)?.[1]));
  const jsonDownload = page.waitForEvent('download');
  await page.click('#export-json');
  const json = JSON.parse((await readFile(await (await jsonDownload).path())).toString()) as { sweep: { records: unknown[] }; rows: unknown[] };
  expect(json.sweep.records).toHaveLength(answers);
  expect(json.rows).toHaveLength(4);

  // Stop right after the first answer: the sweep ends early and keeps what it measured.
  await page.fill('#limit', '3');
  await page.click('#run');
  await expect(page.locator('#stop')).toBeEnabled();
  await page.waitForFunction(() => Number((document.getElementById('progress') as HTMLProgressElement).value) >= 1);
  await page.click('#stop');
  await expect(page.locator('#status')).toHaveText(/^Stopped: \d+ answers/, { timeout: 60_000 });
  const stoppedAt = Number((await page.locator('#status').textContent())?.match(/(\d+) answers/)?.[1]);
  expect(stoppedAt).toBeGreaterThanOrEqual(1);
  expect(await page.locator('#progress').evaluate((p: HTMLProgressElement) => p.value < p.max)).toBe(true);
  await expect(page.locator('#run')).toBeEnabled();
});
