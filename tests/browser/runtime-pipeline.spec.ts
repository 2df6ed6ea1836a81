import { expect, test } from '@playwright/test';
import type { RuntimeWindow } from './pages/runtime.ts';
import { PERMISSIVE_AMG, deviceOf, openRuntimePage } from './runtime-page.ts';

test('full pipeline on the tiny fixture: masks, plan, streamed answer, usage and prefill length', async ({ page }, info) => {
  // SwiftShader runs the encoders and a 576-token prefill slowly, more so on a busy machine.
  test.setTimeout(300_000);
  await openRuntimePage(page);
  const r = await page.evaluate(async ({ amg, device }) => {
    const { sdk, helpers } = window as unknown as RuntimeWindow;
    const vlm = await sdk.MaskLlava.load(helpers.fixtureUrl, { device });
    const longBefore = helpers.longTasks.length;
    const img = await vlm.encode(helpers.scene(), { amg });
    const plan = img.plan({ budget: 57 });
    const question = 'How many circles are there?';
    const gen = vlm.generate(img, question, { plan, maxNewTokens: 12 });
    const deltas = await helpers.collect(gen);
    const usage = await gen.usage;
    const text = await gen.text;
    const longest = Math.max(0, ...helpers.longTasks.slice(longBefore));
    // A second question on the same image reuses its features; greedy is deterministic.
    const again = vlm.generate(img, question, { plan, maxNewTokens: 12 });
    await helpers.collect(again);
    const usage2 = await again.usage;
    // Without a plan: the manifest's default budget, not its first preset (every token).
    const unplanned = vlm.generate(img, question, { maxNewTokens: 1 });
    await helpers.collect(unplanned);
    const defaults = { budget: vlm.manifest.tokens.defaultBudget, firstPreset: vlm.manifest.tokens.presets[0]!.budget, visual: (await unplanned.usage).visualTokens.total, planned: img.plan({ budget: vlm.manifest.tokens.defaultBudget }).total };
    const reference = await helpers.referencePrompt(question);
    const referenceText = await helpers.referenceDecode(usage.tokenIds);
    const masks = img.masks.map((m) => ({ size: m.size, area: m.area, words: m.bits.length, bbox: m.bbox }));
    await vlm.dispose();
    return { device: vlm.device, reason: vlm.deviceReason, plan, usage, usage2, deltas, text, masks, timings: img.timings, referenceLength: reference.length, referenceText, longest, proposals: img.proposals, defaults };
  }, { amg: PERMISSIVE_AMG, device: deviceOf(info.project.name) });

  expect(r.device).toBe(info.project.name);
  expect(r.masks.length).toBeGreaterThan(0);
  for (const m of r.masks) {
    expect(m.size).toBe(64);
    expect(m.words).toBe((64 * 64) / 32);
    expect(m.area).toBeGreaterThan(0);
  }
  // Prefill = the rendered prompt's tokens (counted by transformers.js's tokenizer) - 1 placeholder + visual tokens.
  expect(r.usage.promptTokens).toBe(r.referenceLength);
  expect(r.usage.prefillTokens).toBe(r.plan.total + r.referenceLength - 1);
  expect(r.usage.visualTokens).toEqual({ cls: r.plan.cls, patch: r.plan.grid[0] * r.plan.grid[1], object: r.plan.objects, total: r.plan.total });
  expect(r.plan.total).toBeLessThanOrEqual(57);
  expect(r.usage.generatedTokens).toBe(r.usage.tokenIds.length);
  expect(r.usage.generatedTokens).toBeGreaterThan(0);
  // Every delta the worker sent arrived, in order; the text is transformers.js's decode of the ids
  // (random weights can emit invalid UTF-8, whose replacement characters may split differently).
  expect(r.deltas.join('')).toBe(r.text);
  if (!r.referenceText.includes('\uFFFD')) expect(r.text).toBe(r.referenceText);
  expect(r.usage2.tokenIds).toEqual(r.usage.tokenIds);
  expect(r.defaults.budget).toBe(57);
  expect(r.defaults.firstPreset).toBeGreaterThan(57);
  expect(r.defaults.visual).toBe(r.defaults.planned);
  console.log(
    `[${info.project.name}] ${r.reason}\n` +
      `  encode(): decode ${r.timings.decodeMs.toFixed(1)} ms, preprocess ${r.timings.preprocessMs.toFixed(1)} ms, encoder ${r.timings.encodeMs.toFixed(1)} ms, ` +
      `segmenter+AMG ${r.timings.segmentMs.toFixed(1)} ms (${r.proposals.candidates} candidates -> ${r.masks.length} masks), total ${r.timings.totalMs.toFixed(1)} ms\n` +
      `  generate(): compose ${r.usage.timings.composeMs.toFixed(1)} ms, projector ${r.usage.timings.projectMs.toFixed(1)} ms, ` +
      `prefill ${r.usage.prefillTokens} tokens ${r.usage.timings.prefillMs.toFixed(1)} ms, decode ${r.usage.timings.decodeTokensPerSecond.toFixed(1)} tokens/s\n` +
      `  longest main-thread task during encode + generate: ${r.longest.toFixed(0)} ms (0 = none over 50 ms)`,
  );
});

test('plain-LLaVA mode (all patch tokens) gives the same greedy tokens as transformers.js LlavaForConditionalGeneration', async ({ page }, info) => {
  // SwiftShader runs the encoders and a 576-token prefill slowly, more so on a busy machine.
  test.setTimeout(300_000);
  await openRuntimePage(page);
  const device = deviceOf(info.project.name);
  const r = await page.evaluate(
    async ({ device, amg }) => {
      const { sdk, helpers } = window as unknown as RuntimeWindow;
      const image = helpers.scene();
      const question = 'What colour is the square?';
      const vlm = await sdk.MaskLlava.load(helpers.fixtureUrl, { device });
      const img = await vlm.encode(image, { amg });
      const [gh, gw] = img.grid;
      const plan = img.plan({ budget: gh * gw, policy: 'patch-only' });
      const gen = vlm.generate(img, question, { plan, maxNewTokens: 16 });
      await helpers.collect(gen);
      const ours = (await gen.usage).tokenIds;
      await vlm.dispose();
      const theirs = await helpers.oracleGenerate(image, question, 16, device);
      return { plan, ours, theirs };
    },
    { device, amg: { ...PERMISSIVE_AMG, pointsPerSide: 1 } },
  );
  expect(r.plan).toMatchObject({ cls: 0, grid: [24, 24], objects: 0, total: 576 });
  expect(r.ours.length).toBeGreaterThan(0);
  expect(r.ours).toEqual(r.theirs);
  console.log(`[${device}] oracle: ${r.ours.length} greedy tokens identical to transformers.js: ${r.ours.join(' ')}`);
});
