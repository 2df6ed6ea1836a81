import { type Page, expect, test } from '@playwright/test';
import type { EncodedImage, MaskLlava, MaskLlavaError } from '../../src/index.ts';
import type { RuntimeWindow } from './pages/runtime.ts';
import { PERMISSIVE_AMG, deviceOf, openRuntimePage } from './runtime-page.ts';

// One page, one model and one encoded image for the whole file: encoding is slow on SwiftShader.
test.describe.configure({ mode: 'serial', timeout: 300_000 });

let page: Page;

test.beforeAll(async ({ browser }, info) => {
  page = await browser.newPage();
  await openRuntimePage(page);
  await page.evaluate(async ({ amg, device }) => {
    const w = window as unknown as Ctx;
    w.vlm = await w.sdk.MaskLlava.load(w.helpers.fixtureUrl, { device });
    w.img = await w.vlm.encode(w.helpers.scene(), { amg });
  }, { amg: { ...PERMISSIVE_AMG, pointsPerSide: 2 }, device: deviceOf(info.project.name) });
});

test.afterAll(async () => {
  await page.close();
});

type Ctx = RuntimeWindow & { vlm: MaskLlava; img: EncodedImage };

test('abort stops a generation: iteration and usage reject with AbortError, and the worker serves the next call', async () => {
  const r = await page.evaluate(async () => {
    const { vlm, img } = window as unknown as Ctx;
    const controller = new AbortController();
    const gen = vlm.generate(img, 'Describe the picture.', { maxNewTokens: 1500, signal: controller.signal });
    const seen: string[] = [];
    let iterationError: { isDom: boolean; name: string } | null = null;
    try {
      for await (const delta of gen) {
        seen.push(delta);
        controller.abort();
      }
    } catch (err) {
      iterationError = { isDom: err instanceof DOMException, name: (err as Error).name };
    }
    const usageError = await gen.usage.then(
      () => null,
      (err: unknown) => (err as Error).name,
    );
    const next = vlm.generate(img, 'Describe the picture.', { maxNewTokens: 3 });
    const usage = await next.usage;
    return { seen: seen.length, iterationError, usageError, nextTokens: usage.generatedTokens + (usage.stopReason === 'eos' ? 1 : 0) };
  });
  expect(r.seen).toBe(1);
  expect(r.iterationError).toEqual({ isDom: true, name: 'AbortError' });
  expect(r.usageError).toBe('AbortError');
  expect(r.nextTokens).toBeGreaterThan(0);
});

test('aborting encode rejects with AbortError; a released image throws ReleasedError', async () => {
  const r = await page.evaluate(async () => {
    const { sdk, vlm, helpers } = window as unknown as Ctx;
    const controller = new AbortController();
    const pending = vlm.encode(helpers.scene(), { signal: controller.signal, amg: { pointsPerSide: 1 } });
    controller.abort();
    const aborted = await pending.then(
      () => 'resolved',
      (err: unknown) => (err as Error).name,
    );
    const other = await vlm.encode(helpers.scene(64, 64), { amg: { pointsPerSide: 1 } });
    other.release();
    const released = await vlm.generate(other, 'Any circles?', { maxNewTokens: 2 }).usage.then(
      () => null,
      (err: unknown) => ({ isClass: err instanceof sdk.ReleasedError, code: (err as MaskLlavaError).code }),
    );
    return { aborted, released };
  });
  expect(r.aborted).toBe('AbortError');
  expect(r.released).toEqual({ isClass: true, code: 'RELEASED' });
});

/**
 * Arms the inference worker (not one of ORT's thread workers) to end after `delayMs`, then starts
 * a long answer; resolves with how that answer ended. The trigger is armed while the worker is
 * idle: DevTools evaluations reach a busy worker only after it finishes. It runs as a chain of
 * message tasks, the kind the decode loop yields to, so it fires between two decode steps.
 */
async function crashDuringAnswer(how: 'throw' | 'close', delayMs: number): Promise<{ isClass: boolean; code: string } | null> {
  // The newest inference worker: after a crash the dead one can still be listed for a moment.
  const worker = page.workers().filter((w) => w.url().includes('worker/entry')).at(-1);
  expect(worker).toBeDefined();
  await worker!.evaluate(
    ({ how, delayMs }) => {
      const deadline = performance.now() + delayMs;
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        if (performance.now() < deadline) return channel.port2.postMessage(null);
        if (how === 'close') self.close();
        else throw new Error('simulated crash');
      };
      channel.port2.postMessage(null);
    },
    { how, delayMs },
  );
  return page.evaluate(async () => {
    const w = window as unknown as Ctx;
    const gen = w.vlm.generate(w.img, 'Describe the picture.', { maxNewTokens: 1500 });
    try {
      for await (const delta of gen) void delta;
      return null;
    } catch (err) {
      return { isClass: err instanceof w.sdk.WorkerCrashedError, code: (err as MaskLlavaError).code };
    }
  });
}

/** Recovers after a crash: the old image is gone with the worker; a fresh one answers. */
async function recover(): Promise<{ stale: { isClass: boolean; message: string } | null; generated: number }> {
  return page.evaluate(async () => {
    const w = window as unknown as Ctx;
    const { sdk, vlm, img, helpers } = w;
    const stale = await vlm.generate(img, 'Any circles?', { maxNewTokens: 2 }).usage.then(
      () => null,
      (err: unknown) => ({ isClass: err instanceof sdk.WorkerCrashedError, message: (err as Error).message }),
    );
    w.img = await vlm.encode(helpers.scene(), { amg: { pointsPerSide: 1 } });
    const usage = await vlm.generate(w.img, 'Any circles?', { maxNewTokens: 2 }).usage;
    return { stale, generated: usage.generatedTokens + (usage.stopReason === 'eos' ? 1 : 0) };
  });
}

test('prompt + visual tokens + maxNewTokens beyond llm.maxPositions is a typed error naming the limit', async () => {
  const r = await page.evaluate(async () => {
    const { sdk, vlm, img } = window as unknown as Ctx;
    const plan = img.plan({ budget: 57 });
    const failure = (err: unknown) => ({ isClass: err instanceof sdk.InvalidArgumentError, message: (err as Error).message, details: (err as MaskLlavaError).details });
    const longAnswer = await vlm.generate(img, 'How many circles?', { plan, maxNewTokens: 2040 }).text.then(() => null, failure);
    const longQuestion = await vlm.nextTokenLogits(img, 'How many circles are there? '.repeat(600), { plan }).then(() => null, failure);
    // Within the limit it still answers.
    const fits = await vlm.generate(img, 'How many circles?', { plan, maxNewTokens: 4 }).text.then(() => 'ok', failure);
    return { longAnswer, longQuestion, fits, maxPositions: vlm.manifest.llm.maxPositions, visual: plan.total };
  });
  expect(r.maxPositions).toBe(2048);
  for (const f of [r.longAnswer, r.longQuestion]) {
    expect(f).toMatchObject({ isClass: true, details: { maxPositions: 2048 } });
    expect(f!.message).toContain('llm.maxPositions = 2048');
  }
  expect(r.longAnswer!.details).toMatchObject({ maxNewTokens: 2040, visualTokens: r.visual });
  expect(r.fits).toBe('ok');
});

test('a crashed worker rejects the call in flight with WorkerCrashedError; the next call restarts it from the Cache API', async () => {
  // An uncaught error inside the worker mid-answer.
  expect(await crashDuringAnswer('throw', 1000)).toEqual({ isClass: true, code: 'WORKER_CRASHED' });
  const first = await recover();
  expect(first.stale?.isClass).toBe(true);
  expect(first.stale?.message).toContain('encode it again');
  expect(first.generated).toBeGreaterThan(0);

  // The worker ending on its own (as when killed for memory) is a crash too.
  expect(await crashDuringAnswer('close', 1000)).toEqual({ isClass: true, code: 'WORKER_CRASHED' });
  const second = await recover();
  expect(second.stale?.isClass).toBe(true);
  expect(second.generated).toBeGreaterThan(0);
});

test('dispose() ends the worker; calls in flight and later calls fail with DisposedError', async () => {
  const closed = new Promise<void>((resolve) => {
    const inference = page.workers().find((w) => w.url().includes('worker/entry'));
    expect(inference).toBeDefined();
    inference?.on('close', () => resolve());
  });
  const r = await page.evaluate(async () => {
    const { sdk, vlm, img, helpers } = window as unknown as Ctx;
    const answer = vlm.generate(img, 'Describe the picture.', { maxNewTokens: 400 });
    // Wait for the first delta: dispose() then lands in the decode loop, not in the queue.
    const deltas = answer[Symbol.asyncIterator]();
    await deltas.next();
    const inFlight = (async () => {
      while (!(await deltas.next()).done);
    })().then(
      () => null,
      (err: unknown) => (err as Error).name,
    );
    const usage = answer.usage.then(
      () => null,
      (err: unknown) => (err as Error).name,
    );
    await vlm.dispose();
    const later = await vlm.encode(helpers.scene()).then(
      () => null,
      (err: unknown) => ({ isClass: err instanceof sdk.DisposedError, code: (err as MaskLlavaError).code }),
    );
    return { inFlight: await inFlight, usage: await usage, later };
  });
  await closed;
  // Not AbortError: that would read as the caller's own abort.
  expect(r.inFlight).toBe('DisposedError');
  expect(r.usage).toBe('DisposedError');
  expect(r.later).toEqual({ isClass: true, code: 'DISPOSED' });
});
