import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.ts';
import { resolveLoadArguments } from '../../src/load-arguments.ts';

const PAGE = 'http://localhost:5173/demo/index.html';

describe('resolveLoadArguments', () => {
  it('resolves a model URL against the page and keeps the options', () => {
    const options = { device: 'wasm' as const };
    expect(resolveLoadArguments('../models/x/', options, PAGE)).toEqual({ model: { kind: 'manifest', url: 'http://localhost:5173/models/x/' }, options });
  });

  it('turns repo ids into a Hub source with an absolute host; the source object is the options', () => {
    const source = { vlm: 'onnx-community/nanoLLaVA-1.5', segmenter: 'Xenova/slimsam-77-uniform', host: '/mirror/', numThreads: 2 };
    const { model, options } = resolveLoadArguments(source, {}, PAGE);
    expect(model).toMatchObject({ kind: 'hub', vlm: source.vlm, segmenter: source.segmenter, host: 'http://localhost:5173/mirror/', revision: 'main' });
    expect(options).toBe(source);
  });

  it('rejects what would otherwise be ignored or fail later in the worker', () => {
    const bad: Array<[Parameters<typeof resolveLoadArguments>[0], Parameters<typeof resolveLoadArguments>[1]]> = [
      ['', {}],
      [null as unknown as string, {}],
      [{ vlm: 'a/b/c', segmenter: 'Xenova/slimsam-77-uniform' }, {}],
      ['/m/', { device: 'tpu' as never }],
      ['/m/', { numThreads: 0 }],
      ['/m/', { cacheName: '' }],
    ];
    for (const [source, options] of bad) expect(() => resolveLoadArguments(source, options, PAGE)).toThrow(InvalidArgumentError);
    expect(() => resolveLoadArguments('/m/', { device: 'tpu' as never }, PAGE)).toThrow(`device must be one of 'auto', 'webgpu', 'wasm', got "tpu"`);
  });
});
