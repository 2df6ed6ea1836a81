/**
 * The files a load of published repos fetches for the chosen dtypes, in the order sessions are
 * created, with each ONNX file's external data as the repo's config declares it.
 */
import { type ComponentDtypes, externalDataPaths, onnxFilePath } from './dtype.ts';
import { type Json, jsonObject } from './repo-json.ts';

/** One file of a derived manifest: its key (`{repo}/{path}`), repo and path inside the repo. */
export interface HubFile {
  key: string;
  repo: string;
  path: string;
}

/** The files a load needs, by role. Keys are `{repo}/{path}`. */
export interface HubFilePlan {
  encoder: string;
  embedTokens: string;
  decoder: string;
  segmenterVision: string;
  segmenterDecoder: string;
  tokenizer: string;
  tokenizerConfig: string;
  config: string;
  /** ONNX file key -> its external data file keys. */
  externalData: Record<string, string[]>;
  /** Every file, in load order. */
  files: HubFile[];
}

/**
 * External data chunks of one ONNX file from `transformers.js_config.use_external_data_format`
 * (a boolean or count, or an object keyed by file name such as 'decoder_model_merged_q4.onnx' or
 * 'decoder_model_merged'), as transformers.js reads it.
 */
export function externalDataChunks(config: Json, fileName: string, baseName: string): number {
  const setting = jsonObject(config, 'transformers.js_config')?.use_external_data_format;
  if (!setting) return 0;
  if (typeof setting === 'object') {
    const s = setting as Json;
    return Number(s[fileName] ?? s[baseName] ?? 0);
  }
  return Number(setting);
}

/** The files to fetch for these dtypes, in the order sessions are created. */
export function planHubFiles(vlm: { id: string; config: Json }, seg: { id: string; config: Json }, dtypes: ComponentDtypes): HubFilePlan {
  const files: HubFile[] = [];
  const externalData: Record<string, string[]> = {};
  const add = (repo: string, path: string) => {
    const key = `${repo}/${path}`;
    files.push({ key, repo, path });
    return key;
  };
  const onnx = (repo: string, config: Json, name: string, dtype: ComponentDtypes[keyof ComponentDtypes]) => {
    const path = onnxFilePath(name, dtype);
    const key = add(repo, path);
    const chunks = externalDataChunks(config, path.slice('onnx/'.length), name);
    if (chunks > 0) externalData[key] = externalDataPaths(path, chunks).map((p) => add(repo, p));
    return key;
  };
  const config = add(vlm.id, 'config.json');
  const tokenizer = add(vlm.id, 'tokenizer.json');
  const tokenizerConfig = add(vlm.id, 'tokenizer_config.json');
  return {
    encoder: onnx(vlm.id, vlm.config, 'vision_encoder', dtypes.encoder),
    segmenterVision: onnx(seg.id, seg.config, 'vision_encoder', dtypes.segmenter),
    segmenterDecoder: onnx(seg.id, seg.config, 'prompt_encoder_mask_decoder', dtypes.segmenter),
    embedTokens: onnx(vlm.id, vlm.config, 'embed_tokens', dtypes.embedTokens),
    decoder: onnx(vlm.id, vlm.config, 'decoder_model_merged', dtypes.decoder),
    tokenizer,
    tokenizerConfig,
    config,
    externalData,
    files,
  };
}
