/** One answer of an evaluation: streamed and timed as a user would see it, then scored. */
import type { GenerateOptions } from '../client-options.ts';
import type { MaskLlava } from '../client.ts';
import type { EncodedImage } from '../encoded-image.ts';
import type { GenerateUsage } from '../worker/protocol.ts';

/** A complete answer, its usage, and when its text arrived. */
export interface TimedAnswer {
  /** The streamed text, as is. */
  answer: string;
  usage: GenerateUsage;
  /** Time to the first streamed chunk (main thread, call to chunk), ms. */
  ttftMs: number;
  /** Time to the end of the answer, ms. */
  totalMs: number;
}

/** Asks `question` about `image` and times the first streamed chunk and the end of the answer. */
export async function timedAnswer(model: MaskLlava, image: EncodedImage, question: string, options: GenerateOptions): Promise<TimedAnswer> {
  const start = performance.now();
  let ttftMs = -1;
  let answer = '';
  const generation = model.generate(image, question, options);
  for await (const chunk of generation) {
    if (ttftMs < 0) ttftMs = performance.now() - start;
    answer += chunk;
  }
  const totalMs = performance.now() - start;
  const usage = await generation.usage;
  // An answer that is a stop token at once streams nothing: its first token came at the end.
  return { answer, usage, ttftMs: ttftMs < 0 ? totalMs : ttftMs, totalMs };
}

/** Compares an answer with the expected one after trimming and lower-casing, nothing more. */
export function isCorrect(answer: string, expected: string): boolean {
  return answer.trim().toLowerCase() === expected.trim().toLowerCase();
}
