// A test that skips in CI does not run at all: fail the job if any unit or browser test skipped.
import console from 'node:console';
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const read = (path) => JSON.parse(readFileSync(new URL(`../${path}`, import.meta.url), 'utf8'));
const unit = read('test-results/unit.json');
const browser = read('test-results/browser.json');
const skipped = {
  unit: unit.numPendingTests + unit.numTodoTests,
  browser: browser.stats.skipped,
};
if (skipped.unit + skipped.browser > 0) {
  console.error(`no-skips: ${skipped.unit} unit and ${skipped.browser} browser tests skipped; CI must run every test`);
  process.exit(1);
}
console.log(`no-skips: ${unit.numTotalTests} unit and ${browser.stats.expected + browser.stats.flaky} browser tests ran, none skipped`);
