import { beforeAll, describe, expect, test } from 'vitest';
import { ManifestError } from '../../../src/errors.ts';
import { parseManifest } from '../../../src/models/parse.ts';
import { makeTinyPackage } from '../../fixtures/tiny.ts';

let valid: Record<string, unknown>;
beforeAll(async () => {
  const pkg = await makeTinyPackage();
  valid = JSON.parse(new TextDecoder().decode(await pkg.read('manifest.json'))) as Record<string, unknown>;
  await pkg.remove();
});

/** A deep copy of the generated manifest with one edit applied. */
function variant(edit: (m: any) => void): unknown { // eslint-disable-line @typescript-eslint/no-explicit-any
  const copy = structuredClone(valid);
  edit(copy);
  return copy;
}

function fieldOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError);
    return (err as ManifestError).details?.field;
  }
  throw new Error('expected a ManifestError');
}

test('accepts the generated tiny manifest and returns the same content', () => {
  expect(parseManifest(valid, 'http://x/tiny/')).toEqual(valid);
});

test('keeps fields it does not know (forward-compatible additions such as preprocess options)', () => {
  const extended = variant((m) => {
    m.encoder.preprocess.futureOption = { any: 'thing' };
    m.llm.ropeScaling = 2;
  });
  expect(parseManifest(extended)).toEqual(extended);
});

test('tokens.defaultBudget: kept when given, 57 when absent (older manifests), rejected unless a positive integer', () => {
  expect(parseManifest(valid).tokens.defaultBudget).toBe(57);
  expect(parseManifest(variant((m) => (m.tokens.defaultBudget = 29))).tokens.defaultBudget).toBe(29);
  expect(parseManifest(variant((m) => delete m.tokens.defaultBudget)).tokens.defaultBudget).toBe(57);
  expect(fieldOf(() => parseManifest(variant((m) => (m.tokens.defaultBudget = 0))))).toBe('tokens.defaultBudget');
  expect(fieldOf(() => parseManifest(variant((m) => (m.tokens.defaultBudget = '57'))))).toBe('tokens.defaultBudget');
});

test('runtime.graphOptimizationLevel: a level per device, kept as given; unknown devices and levels rejected', () => {
  const lowered = variant((m) => (m.runtime = { graphOptimizationLevel: { wasm: 'basic', webgpu: 'all' } }));
  expect(parseManifest(lowered)).toEqual(lowered);
  expect(parseManifest(variant((m) => (m.runtime = {}))).runtime).toEqual({});
  expect(fieldOf(() => parseManifest(variant((m) => (m.runtime = { graphOptimizationLevel: { wasm: 'fast' } }))))).toBe('runtime.graphOptimizationLevel.wasm');
  expect(fieldOf(() => parseManifest(variant((m) => (m.runtime = { graphOptimizationLevel: { cpu: 'basic' } }))))).toBe('runtime.graphOptimizationLevel.cpu');
  expect(fieldOf(() => parseManifest(variant((m) => (m.runtime = { graphOptimizationLevel: 'basic' }))))).toBe('runtime.graphOptimizationLevel');
  expect(fieldOf(() => parseManifest(variant((m) => (m.runtime = 'basic'))))).toBe('runtime');
});

describe('rejects corrupted manifests with a ManifestError naming the field', () => {
  const cases: Array<[string, (m: any) => void, string]> = [ // eslint-disable-line @typescript-eslint/no-explicit-any
    ['missing encoder', (m) => delete m.encoder, 'encoder'],
    ['missing nested field', (m) => delete m.llm.headDim, 'llm.headDim'],
    ['wrong format', (m) => (m.format = 'onnx'), 'format'],
    ['unknown version', (m) => (m.version = 99), 'version'],
    ['grid vs crop / patch', (m) => (m.encoder.grid = [16, 16]), 'encoder.grid'],
    ['patch size that does not divide the crop', (m) => (m.encoder.patchSize = 16), 'encoder.grid'],
    ['heads not a multiple of kv heads', (m) => (m.llm.numAttentionHeads = 3), 'llm.numAttentionHeads'],
    ['odd head dim', (m) => (m.llm.headDim = 15), 'llm.headDim'],
    ['file referenced but not listed', (m) => delete m.files['llm/decoder_model_merged.onnx'], 'llm.decoder'],
    ['optional config referenced but not listed', (m) => delete m.files['llm/config.json'], 'llm.config'],
    ['path escaping the package', (m) => (m.projector.file = '../projector.onnx'), 'projector.file'],
    ['bad sha256', (m) => (m.files['projector.onnx'].sha256 = 'XYZ'), "files['projector.onnx'].sha256"],
    ['negative size', (m) => (m.files['projector.onnx'].size = -1), "files['projector.onnx'].size"],
    ['eos outside the vocabulary', (m) => (m.prompt.eosTokenIds = [m.llm.vocabSize]), 'prompt.eosTokenIds[0]'],
    ['unknown token kind', (m) => (m.tokens.kinds = ['cls', 'pixel']), 'tokens.kinds'],
    ['non-integer budget', (m) => (m.tokens.presets[0].budget = 5.5), 'tokens.presets[0].budget'],
    ['preprocess mode', (m) => (m.encoder.preprocess.mode = 'stretch'), 'encoder.preprocess.mode'],
    ['resample mode', (m) => (m.segmenter.preprocess.resample = 'lanczos'), 'segmenter.preprocess.resample'],
    ['std of zero', (m) => (m.segmenter.preprocess.std[1] = 0), 'segmenter.preprocess.std[1]'],
    ['longest edge above pad size', (m) => (m.segmenter.preprocess.longestEdge = 4096), 'segmenter.preprocess.longestEdge'],
    ['threshold outside [0,1]', (m) => (m.segmenter.amg.nmsThreshold = 1.5), 'segmenter.amg.nmsThreshold'],
  ];
  test.each(cases)('%s', (_, edit, field) => {
    const bad = variant(edit);
    expect(fieldOf(() => parseManifest(bad))).toBe(field);
  });

  test('not an object', () => {
    expect(fieldOf(() => parseManifest('manifest.json'))).toBe('(root)');
  });

  test('the message names the field and the manifest URL', () => {
    expect(() => parseManifest(variant((m) => delete m.llm.vocabSize), 'https://models.example/tiny/')).toThrow(
      /'llm\.vocabSize' is missing.*https:\/\/models\.example\/tiny\//,
    );
  });
});
