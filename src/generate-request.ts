/**
 * The worker's {@link GenerateRequest} from the arguments of `generate()` and `nextTokenLogits()`:
 * checked on the main thread, so a bad value fails before the worker is asked, and with the
 * defaults filled in (documented on {@link GenerateOptions}).
 */
import type { GenerateOptions } from './client-options.ts';
import type { EncodedImage } from './encoded-image.ts';
import { InvalidArgumentError } from './errors.ts';
import type { ModelManifest } from './models/manifest.ts';
import { checkInteger } from './validate.ts';
import type { GenerateRequest } from './worker/protocol.ts';
import { checkSampling } from './worker/sampling.ts';

const DEFAULT_MAX_NEW_TOKENS = 128;

/** The request for `prompt` about `image` (already checked to be live and this model's). */
export function generateRequest(image: EncodedImage, prompt: string, options: GenerateOptions, tokens: ModelManifest['tokens']): GenerateRequest {
  if (typeof prompt !== 'string' || !prompt.trim()) throw new InvalidArgumentError('prompt must be a non-empty string; pass the question text');
  const maxNewTokens = options.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS;
  checkInteger('maxNewTokens', maxNewTokens, 1);
  // A model trained on patch tokens only (a published VLM, the patch-only ablation) defaults to them.
  const plan = options.plan ?? image.plan({ budget: tokens.defaultBudget, policy: tokens.kinds.includes('object') ? 'balanced' : 'patch-only' });
  const temperature = options.temperature ?? 0;
  const topP = options.topP ?? 1;
  checkSampling({ temperature, topP });
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  return { imageId: image.id, prompt, plan, maxNewTokens, temperature, topP, seed };
}
