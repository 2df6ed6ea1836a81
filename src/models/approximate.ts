/** Whether a model composes visual tokens as it was trained to (exact) or only approximately. */
import type { ModelManifest } from './manifest.ts';

/**
 * Why `manifest`'s model is approximate Mask-LLaVA, or null when it was trained with the three
 * kinds of token. A published VLM whose vision encoder includes the projector (no CLS, no separate
 * projector) never saw CLS or object tokens: composition happens after the projector with a
 * global token in place of CLS (docs/composition.md, "Published VLMs").
 */
export function approximateReason(manifest: ModelManifest): string | null {
  if (manifest.encoder.hasCls !== false && manifest.projector) return null;
  return `${manifest.name} was not trained with object tokens: its vision encoder already includes the projector and has no CLS token, so a global token (the mean image feature) stands in for CLS and object tokens are pooled after the projector. Only every image token (plain mode) is the model's own input; smaller budgets are an approximation.`;
}
