/**
 * Manifest validation: turns untrusted JSON into a {@link ModelManifest} or throws a
 * {@link ManifestError} whose `details.field` names the offending field (dotted path).
 */
import { DEFAULT_BUDGET, GRAPH_OPTIMIZATION_LEVELS, MANIFEST_VERSION, type BudgetPreset, type ModelManifest, type PackageManifest } from './manifest.ts';
import { FieldReader, type Json, isRelativePath } from './manifest-fields.ts';

const RGB = 3;
const RESAMPLE = ['canvas', 'pillow'] as const;

function parseFiles(r: FieldReader, root: Json): PackageManifest['files'] {
  const raw = r.obj(root, 'files', 'files');
  const files: PackageManifest['files'] = {};
  for (const [path, entry] of Object.entries(raw)) {
    const field = `files['${path}']`;
    if (!isRelativePath(path)) r.fail(field, 'must be keyed by a path relative to the manifest');
    if (typeof entry !== 'object' || entry === null) r.fail(field, 'must be {size, sha256}');
    const e = entry as Json;
    const size = r.num(e, 'size', `${field}.size`, { int: true, min: 0 });
    const sha256 = r.str(e, 'sha256', `${field}.sha256`);
    if (!/^[0-9a-f]{64}$/.test(sha256)) r.fail(`${field}.sha256`, `must be 64 lower-case hex digits, got '${sha256}'`);
    files[path] = { size, sha256 };
  }
  if (Object.keys(files).length === 0) r.fail('files', 'is empty; list every file of the package with its size and sha256');
  return files;
}

function parseEncoder(r: FieldReader, root: Json, files: PackageManifest['files']): ModelManifest['encoder'] {
  const e = r.obj(root, 'encoder', 'encoder');
  const p = r.obj(e, 'preprocess', 'encoder.preprocess');
  const pos = { int: true, positive: true };
  const preprocess = {
    ...p,
    shortestEdge: r.num(p, 'shortestEdge', 'encoder.preprocess.shortestEdge', pos),
    cropSize: r.tuple(p, 'cropSize', 'encoder.preprocess.cropSize', 2, pos) as [number, number],
    mode: r.oneOf(p, 'mode', 'encoder.preprocess.mode', ['crop', 'pad', 'resize'] as const),
    rescaleFactor: r.num(p, 'rescaleFactor', 'encoder.preprocess.rescaleFactor', { positive: true }),
    mean: r.tuple(p, 'mean', 'encoder.preprocess.mean', RGB, {}) as [number, number, number],
    std: r.tuple(p, 'std', 'encoder.preprocess.std', RGB, { positive: true }) as [number, number, number],
    ...(p.resample === undefined ? {} : { resample: r.oneOf(p, 'resample', 'encoder.preprocess.resample', RESAMPLE) }),
  };
  const grid = r.tuple(e, 'grid', 'encoder.grid', 2, pos) as [number, number];
  const patchSize = r.optNum(e, 'patchSize', 'encoder.patchSize', pos);
  if (patchSize !== undefined) {
    const expected = preprocess.cropSize.map((s) => s / patchSize);
    if (expected[0] !== grid[0] || expected[1] !== grid[1]) {
      r.fail('encoder.grid', `is [${grid}] but encoder.preprocess.cropSize [${preprocess.cropSize}] / encoder.patchSize ${patchSize} gives [${expected}]; make them agree`);
    }
  }
  return {
    ...e,
    file: r.path(e, 'file', 'encoder.file', files),
    inputName: r.str(e, 'inputName', 'encoder.inputName'),
    outputName: r.str(e, 'outputName', 'encoder.outputName'),
    preprocess,
    grid,
    hiddenSize: r.num(e, 'hiddenSize', 'encoder.hiddenSize', pos),
    ...(patchSize === undefined ? {} : { patchSize }),
  };
}

function parseSegmenter(r: FieldReader, root: Json, files: PackageManifest['files']): ModelManifest['segmenter'] {
  const s = r.obj(root, 'segmenter', 'segmenter');
  const p = r.obj(s, 'preprocess', 'segmenter.preprocess');
  const a = r.obj(s, 'amg', 'segmenter.amg');
  const pos = { int: true, positive: true };
  const preprocess = {
    ...p,
    longestEdge: r.num(p, 'longestEdge', 'segmenter.preprocess.longestEdge', pos),
    padSize: r.num(p, 'padSize', 'segmenter.preprocess.padSize', pos),
    rescaleFactor: r.num(p, 'rescaleFactor', 'segmenter.preprocess.rescaleFactor', { positive: true }),
    mean: r.tuple(p, 'mean', 'segmenter.preprocess.mean', RGB, {}) as [number, number, number],
    std: r.tuple(p, 'std', 'segmenter.preprocess.std', RGB, { positive: true }) as [number, number, number],
    ...(p.resample === undefined ? {} : { resample: r.oneOf(p, 'resample', 'segmenter.preprocess.resample', RESAMPLE) }),
  };
  if (preprocess.longestEdge > preprocess.padSize) {
    r.fail('segmenter.preprocess.longestEdge', `(${preprocess.longestEdge}) must not exceed segmenter.preprocess.padSize (${preprocess.padSize})`);
  }
  const fraction = (key: string) => {
    const v = r.num(a, key, `segmenter.amg.${key}`);
    if (v < 0 || v > 1) r.fail(`segmenter.amg.${key}`, `must be in [0, 1], got ${v}`);
    return v;
  };
  return {
    ...s,
    visionEncoder: r.path(s, 'visionEncoder', 'segmenter.visionEncoder', files),
    promptDecoder: r.path(s, 'promptDecoder', 'segmenter.promptDecoder', files),
    preprocess,
    maskSize: r.num(s, 'maskSize', 'segmenter.maskSize', pos),
    amg: {
      ...a,
      pointsPerSide: r.num(a, 'pointsPerSide', 'segmenter.amg.pointsPerSide', pos),
      pointsPerBatch: r.num(a, 'pointsPerBatch', 'segmenter.amg.pointsPerBatch', pos),
      predIouThreshold: fraction('predIouThreshold'),
      stabilityThreshold: fraction('stabilityThreshold'),
      stabilityOffset: r.num(a, 'stabilityOffset', 'segmenter.amg.stabilityOffset', { min: 0 }),
      nmsThreshold: fraction('nmsThreshold'),
      minAreaFraction: fraction('minAreaFraction'),
    },
  };
}

function parseLlm(r: FieldReader, root: Json, files: PackageManifest['files']): ModelManifest['llm'] {
  const l = r.obj(root, 'llm', 'llm');
  const pos = { int: true, positive: true };
  const numKeyValueHeads = r.num(l, 'numKeyValueHeads', 'llm.numKeyValueHeads', pos);
  const numAttentionHeads = r.optNum(l, 'numAttentionHeads', 'llm.numAttentionHeads', pos);
  if (numAttentionHeads !== undefined && numAttentionHeads % numKeyValueHeads !== 0) {
    r.fail('llm.numAttentionHeads', `(${numAttentionHeads}) must be a multiple of llm.numKeyValueHeads (${numKeyValueHeads})`);
  }
  const headDim = r.num(l, 'headDim', 'llm.headDim', pos);
  if (headDim % 2 !== 0) r.fail('llm.headDim', `must be even (rotary embeddings rotate pairs), got ${headDim}`);
  return {
    ...l,
    embedTokens: r.path(l, 'embedTokens', 'llm.embedTokens', files),
    decoder: r.path(l, 'decoder', 'llm.decoder', files),
    tokenizer: r.path(l, 'tokenizer', 'llm.tokenizer', files),
    tokenizerConfig: r.path(l, 'tokenizerConfig', 'llm.tokenizerConfig', files),
    ...(l.config === undefined ? {} : { config: r.path(l, 'config', 'llm.config', files) }),
    hiddenSize: r.num(l, 'hiddenSize', 'llm.hiddenSize', pos),
    numLayers: r.num(l, 'numLayers', 'llm.numLayers', pos),
    ...(numAttentionHeads === undefined ? {} : { numAttentionHeads }),
    numKeyValueHeads,
    headDim,
    vocabSize: r.num(l, 'vocabSize', 'llm.vocabSize', pos),
    maxPositions: r.num(l, 'maxPositions', 'llm.maxPositions', pos),
  };
}

function parsePrompt(r: FieldReader, root: Json, vocabSize: number): ModelManifest['prompt'] {
  const p = r.obj(root, 'prompt', 'prompt');
  const eos = p.eosTokenIds;
  if (!Array.isArray(eos) || eos.length === 0) r.fail('prompt.eosTokenIds', `must be a non-empty array of token ids, got ${JSON.stringify(eos)}`);
  const eosTokenIds = eos.map((_, i) => {
    const id = r.num(eos as unknown as Json, String(i), `prompt.eosTokenIds[${i}]`, { int: true, min: 0 });
    if (id >= vocabSize) r.fail(`prompt.eosTokenIds[${i}]`, `(${id}) must be below llm.vocabSize (${vocabSize})`);
    return id;
  });
  return {
    ...p,
    imageToken: r.str(p, 'imageToken', 'prompt.imageToken'),
    eosTokenIds,
    ...(p.systemPrompt === undefined ? {} : { systemPrompt: r.str(p, 'systemPrompt', 'prompt.systemPrompt') }),
  };
}

function parseTokens(r: FieldReader, root: Json): ModelManifest['tokens'] {
  const t = r.obj(root, 'tokens', 'tokens');
  const kinds = t.kinds;
  const known = ['cls', 'patch', 'object'] as const;
  if (!Array.isArray(kinds) || kinds.length === 0 || new Set(kinds).size !== kinds.length || !kinds.every((k) => (known as readonly unknown[]).includes(k))) {
    r.fail('tokens.kinds', `must be a non-empty list of distinct kinds from 'cls', 'patch', 'object', got ${JSON.stringify(kinds)}`);
  }
  const presets = t.presets;
  if (!Array.isArray(presets)) r.fail('tokens.presets', `must be an array of {name, budget}, got ${JSON.stringify(presets)}`);
  return {
    ...t,
    maskResolution: r.num(t, 'maskResolution', 'tokens.maskResolution', { int: true, positive: true }),
    normScale: r.oneOf(t, 'normScale', 'tokens.normScale', ['per-image', 'none'] as const),
    ...(t.objectPosition === undefined ? {} : { objectPosition: r.oneOf(t, 'objectPosition', 'tokens.objectPosition', ['none', 'box-sincos'] as const) }),
    kinds: kinds as ModelManifest['tokens']['kinds'],
    presets: presets.map((p, i): BudgetPreset => {
      if (typeof p !== 'object' || p === null) r.fail(`tokens.presets[${i}]`, 'must be {name, budget}');
      const preset: BudgetPreset = {
        name: r.str(p as Json, 'name', `tokens.presets[${i}].name`),
        budget: r.num(p as Json, 'budget', `tokens.presets[${i}].budget`, { int: true, positive: true }),
      };
      if ((p as Json)['policy'] !== undefined) preset.policy = r.oneOf(p as Json, 'policy', `tokens.presets[${i}].policy`, ['balanced', 'patch-only'] as const);
      return preset;
    }),
    defaultBudget: t.defaultBudget === undefined ? DEFAULT_BUDGET : r.num(t, 'defaultBudget', 'tokens.defaultBudget', { int: true, positive: true }),
  };
}

function parseRuntime(r: FieldReader, root: Json): Pick<ModelManifest, 'runtime'> {
  if (root.runtime === undefined) return {};
  const rt = r.obj(root, 'runtime', 'runtime');
  if (rt.graphOptimizationLevel === undefined) return { runtime: rt };
  const levels = r.obj(rt, 'graphOptimizationLevel', 'runtime.graphOptimizationLevel');
  const graphOptimizationLevel: NonNullable<ModelManifest['runtime']>['graphOptimizationLevel'] = {};
  for (const device of Object.keys(levels)) {
    if (device !== 'wasm' && device !== 'webgpu') r.fail(`runtime.graphOptimizationLevel.${device}`, "is not a device: use 'wasm' or 'webgpu'");
    graphOptimizationLevel[device] = r.oneOf(levels, device, `runtime.graphOptimizationLevel.${device}`, GRAPH_OPTIMIZATION_LEVELS);
  }
  return { runtime: { ...rt, graphOptimizationLevel } };
}

/**
 * Validates a parsed manifest.json and returns it typed. Throws {@link ManifestError} (with
 * `details.field`) for a missing or mistyped field, an unknown format or version, inconsistent
 * dims, or a component file that `files` does not list. Fields this version does not know are
 * kept as they are (additions are forward-compatible). `baseUrl` only labels error messages.
 */
export function parseManifest(json: unknown, baseUrl?: string): PackageManifest {
  const r = new FieldReader(baseUrl);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    r.fail('(root)', 'must be a JSON object; pass the parsed contents of manifest.json');
  }
  const root = json as Json;
  if (root.format !== 'mask-llava-web') r.fail('format', `must be 'mask-llava-web', got ${JSON.stringify(root.format)}`);
  const version = r.num(root, 'version', 'version', { int: true });
  if (version !== MANIFEST_VERSION) {
    r.fail('version', `is ${version}, but this SDK reads version ${MANIFEST_VERSION}; use a matching SDK or re-export the model`);
  }
  const files = parseFiles(r, root);
  const encoder = parseEncoder(r, root, files);
  const projector = r.obj(root, 'projector', 'projector');
  const llm = parseLlm(r, root, files);
  return {
    ...root,
    format: 'mask-llava-web',
    version,
    name: r.str(root, 'name', 'name'),
    encoder,
    segmenter: parseSegmenter(r, root, files),
    projector: {
      ...projector,
      file: r.path(projector, 'file', 'projector.file', files),
      inputName: r.str(projector, 'inputName', 'projector.inputName'),
      outputName: r.str(projector, 'outputName', 'projector.outputName'),
    },
    llm,
    prompt: parsePrompt(r, root, llm.vocabSize),
    tokens: parseTokens(r, root),
    files,
    ...parseRuntime(r, root),
  };
}
