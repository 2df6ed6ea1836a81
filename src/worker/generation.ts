/**
 * Generation: compose the planned visual tokens, project them (unless the encoder's output is
 * already in the LLM's width), splice them into the prompt's embeddings in place of its image
 * placeholder, prefill, then decode.
 */
import { InvalidArgumentError } from '../errors.ts';
import { countTokenKinds, composeVisualTokens } from '../tokens/layout.ts';
import { runSession } from './backend.ts';
import type { ImageFeatures } from './encoding.ts';
import type { LoadedModel } from './loading.ts';
import type { GenerateRequest, GenerateResult, GenerateUsage, TokenSink } from './protocol.ts';
import { seededRandom } from '../numeric.ts';
import { floatInput, readFloats } from './tensors.ts';
import { TextDeltas } from './text-deltas.ts';

/** The prefill's input embeddings and what went into them. */
interface PrefillInputs {
  /** `(promptTokens - 1 + visual.total) * hidden` row-major. */
  embeds: Float32Array;
  promptTokens: number;
  visual: GenerateUsage['visualTokens'];
  composeMs: number;
  projectMs: number;
}

/** Answers `req` about `image`, sending text deltas to `sink` as tokens arrive. */
export async function generateAnswer(m: LoadedModel, image: ImageFeatures, req: GenerateRequest, sink: TokenSink, signal: AbortSignal): Promise<GenerateResult> {
  const deltas = new TextDeltas((ids) => m.prompts.decode(ids));
  let sent: void | Promise<void> = undefined;
  const prepared = await prefillInputs(m, image, req, req.maxNewTokens);
  const stats = await m.llm.generate({
    embeds: prepared.embeds,
    maxNewTokens: req.maxNewTokens,
    sampling: { temperature: req.temperature, topP: req.topP },
    random: seededRandom(req.seed),
    signal,
    onToken: (id) => {
      const delta = deltas.push(id);
      if (delta) sent = sink.text(delta);
    },
  });
  const rest = deltas.flush();
  if (rest) sent = sink.text(rest);
  // The sink has its own port, so the result could overtake the last deltas: wait until the
  // main thread has the last one (calls on one port arrive in order).
  await sent;
  const decodeSteps = Math.max(0, stats.tokens.length - 1);
  const usage: GenerateUsage = {
    visualTokens: prepared.visual,
    promptTokens: prepared.promptTokens,
    prefillTokens: stats.prefillTokens,
    generatedTokens: stats.tokens.length,
    tokenIds: stats.tokens,
    stopReason: stats.stopReason,
    timings: {
      encodeMs: image.encodeMs,
      segmentMs: image.segmentMs,
      composeMs: prepared.composeMs,
      projectMs: prepared.projectMs,
      prefillMs: stats.prefillMs,
      decodeMs: stats.decodeMs,
      decodeTokensPerSecond: stats.decodeMs > 0 ? (decodeSteps * 1000) / stats.decodeMs : 0,
    },
  };
  return { usage, text: m.prompts.decode(stats.tokens) };
}

/** The prefill's next-token logits for `req` about `image` (vocabulary-sized). */
export async function prefillLogits(m: LoadedModel, image: ImageFeatures, req: GenerateRequest, signal: AbortSignal): Promise<Float32Array> {
  const prepared = await prefillInputs(m, image, req, 1);
  let logits: Float32Array | undefined;
  await m.llm.generate({
    embeds: prepared.embeds,
    maxNewTokens: 1,
    sampling: { temperature: 0, topP: 1 },
    random: Math.random,
    signal,
    onToken: () => undefined,
    onPrefillLogits: (l) => (logits = l),
  });
  return logits!;
}

/**
 * Composes the planned visual tokens, projects them and splices them into the prompt's embeddings.
 * Throws InvalidArgumentError, before any session runs, when the prompt, the visual tokens and
 * `newTokens` need more positions than the model has.
 */
async function prefillInputs(m: LoadedModel, image: ImageFeatures, req: GenerateRequest, newTokens: number): Promise<PrefillInputs> {
  const { encoder, projector, llm, tokens } = m.manifest;
  const { ids, imageIndex } = m.prompts.encode(req.prompt);
  checkPositions(ids.length - 1, req.plan.total, newTokens, llm.maxPositions);
  const t0 = performance.now();
  const composed = composeVisualTokens(image.hidden, encoder.grid, encoder.hiddenSize, image.masks, req.plan, tokens.normScale, tokens.objectPosition);
  const composeMs = performance.now() - t0;
  const count = req.plan.total;
  const t1 = performance.now();
  let visual = composed.tokens;
  if (projector && m.projector) {
    const out = await runSession('projector', m.projector, {
      [projector.inputName]: floatInput(m.projector, projector.inputName, composed.tokens, [1, count, encoder.hiddenSize]),
    });
    visual = await readFloats(out[projector.outputName]!);
  }
  const projectMs = performance.now() - t1;

  const text = await m.llm.embed(ids);
  const embeds = spliceVisualTokens(text, visual, imageIndex, llm.hiddenSize);
  return { embeds, promptTokens: ids.length, visual: { ...countTokenKinds(composed.kinds), total: count }, composeMs, projectMs };
}

/** Past the trained positions a model answers nonsense, slowly: refuse, saying the limit. */
function checkPositions(textTokens: number, visualTokens: number, maxNewTokens: number, maxPositions: number): void {
  const needed = textTokens + visualTokens + maxNewTokens;
  if (needed <= maxPositions) return;
  throw new InvalidArgumentError(
    `the prompt's ${textTokens} text tokens + ${visualTokens} visual tokens + maxNewTokens ${maxNewTokens} = ${needed} positions, ` +
      `but the model has llm.maxPositions = ${maxPositions}; shorten the question, plan fewer visual tokens or lower maxNewTokens`,
    { maxPositions, textTokens, visualTokens, maxNewTokens },
  );
}

/**
 * Replaces row `imageIndex` (the image placeholder) of the prompt's embeddings `text` by the rows
 * of `visual`, both `rows * hidden` row-major.
 */
export function spliceVisualTokens(text: Float32Array, visual: Float32Array, imageIndex: number, hidden: number): Float32Array {
  const rows = text.length / hidden;
  const count = visual.length / hidden;
  const embeds = new Float32Array((rows - 1 + count) * hidden);
  embeds.set(text.subarray(0, imageIndex * hidden), 0);
  embeds.set(visual, imageIndex * hidden);
  embeds.set(text.subarray((imageIndex + 1) * hidden), (imageIndex + count) * hidden);
  return embeds;
}
