import { describe, expect, it } from 'vitest';
import type { EncodedImage } from '../../src/encoded-image.ts';
import { InvalidArgumentError } from '../../src/errors.ts';
import { generateRequest } from '../../src/generate-request.ts';
import type { ModelManifest } from '../../src/models/manifest.ts';
import type { PlanImageOptions, TokenPlan } from '../../src/tokens/plan.ts';

/** An image whose plan() records what it was asked for in `asked`. */
function image(asked: PlanImageOptions[] = []): EncodedImage {
  const plan = (options: PlanImageOptions) => {
    asked.push(options);
    return {} as TokenPlan;
  };
  return { id: 7, plan } as unknown as EncodedImage;
}

const tokens = (kinds: ModelManifest['tokens']['kinds']) => ({ kinds, defaultBudget: 57 }) as ModelManifest['tokens'];

describe('generateRequest', () => {
  it('fills in the documented defaults, planning at the model default budget', () => {
    const asked: PlanImageOptions[] = [];
    const req = generateRequest(image(asked), 'how many?', {}, tokens(['cls', 'patch', 'object']));
    expect(req).toMatchObject({ imageId: 7, prompt: 'how many?', maxNewTokens: 128, temperature: 0, topP: 1 });
    expect(Number.isInteger(req.seed)).toBe(true);
    expect(asked).toEqual([{ budget: 57, policy: 'balanced' }]);
  });

  it('plans patch tokens only for a model trained without object tokens', () => {
    const asked: PlanImageOptions[] = [];
    generateRequest(image(asked), 'q', {}, tokens(['patch']));
    expect(asked).toEqual([{ budget: 57, policy: 'patch-only' }]);
  });

  it('rejects an empty prompt, a bad token count and bad sampling settings', () => {
    const t = tokens(['patch']);
    expect(() => generateRequest(image(), '  ', {}, t)).toThrow(InvalidArgumentError);
    expect(() => generateRequest(image(), 'q', { maxNewTokens: 0 }, t)).toThrow('maxNewTokens must be an integer >= 1, got 0');
    expect(() => generateRequest(image(), 'q', { temperature: -1 }, t)).toThrow(InvalidArgumentError);
    expect(() => generateRequest(image(), 'q', { topP: 0 }, t)).toThrow(InvalidArgumentError);
  });
});
