/**
 * Runs an experiment in headless Chromium (tools/pages/sweep.html) and returns its result; the
 * runner behind `npm run eval` and `npm run sweep`.
 */
import type { ExperimentConfig, ExperimentProgress, ExperimentResult } from '../../src/eval/experiment.ts';
import { openPage } from '../browser/session.ts';
import { deviceArgs } from './options.ts';

/** What a headless run returns: the experiment plus the browser that ran it. */
export interface HeadlessExperiment {
  result: ExperimentResult;
  browserVersion: string;
}

/** Opens the page, runs `config`, prints progress on one line of stderr, and closes everything. */
export async function runHeadless(config: ExperimentConfig): Promise<HeadlessExperiment> {
  const session = await openPage('/tools/pages/sweep.html', { args: deviceArgs(config.device ?? 'auto') });
  try {
    const { page } = session;
    // One line every 10 s (or a live line on a terminal): runs last minutes, logs stay short.
    let last = 0;
    const tty = process.stderr.isTTY;
    await page.exposeFunction('reportProgress', (e: ExperimentProgress) => {
      const now = Date.now();
      if (e.status === 'loading') process.stderr.write(`loading ${e.what}\n`);
      else if (now - last > (tty ? 500 : 10_000) || e.done === e.total) {
        last = now;
        process.stderr.write(`${tty ? '\r' : ''}${e.done}/${e.total} answers (${e.model}, ${e.item})${tty ? '   ' : '\n'}`);
      }
    });
    await page.waitForFunction(() => document.title === 'ready');
    const result = await page.evaluate((c) => window.runExperiment(c), config);
    if (process.stderr.isTTY) process.stderr.write('\n');
    return { result, browserVersion: session.browserVersion };
  } finally {
    await session.close();
  }
}
