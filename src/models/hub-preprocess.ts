/**
 * The image processors of published repos (preprocessor_config.json) as the manifest's preprocess
 * settings: SigLIP or CLIP for the VLM's encoder, SamImageProcessor for the segmenter.
 */
import type { EncoderPreprocess, SegmenterPreprocess } from './manifest.ts';
import { type Json, failRepoField, jsonObject, positiveInt } from './repo-json.ts';

/** A per-channel setting: three numbers, one number for all three, or `fallback` when absent. */
function rgb(repo: string, file: string, p: Json, key: string, fallback: number): [number, number, number] {
  const v = p[key];
  if (v === undefined) return [fallback, fallback, fallback];
  if (typeof v === 'number') return [v, v, v];
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    failRepoField(repo, file, key, `must be 3 numbers, got ${JSON.stringify(v)}`);
  }
  return v as [number, number, number];
}

/** rescale/normalize settings as the image processors apply them (do_* flags off = identity). */
function normalization(repo: string, p: Json): Pick<EncoderPreprocess, 'rescaleFactor' | 'mean' | 'std'> {
  const file = 'preprocessor_config.json';
  const rescale = p.do_rescale === false ? 1 : (p.rescale_factor ?? 1 / 255);
  if (typeof rescale !== 'number' || !(rescale > 0)) failRepoField(repo, file, 'rescale_factor', `must be a positive number, got ${JSON.stringify(rescale)}`);
  const normalize = p.do_normalize !== false;
  return {
    rescaleFactor: rescale,
    mean: normalize ? rgb(repo, file, p, 'image_mean', 0) : [0, 0, 0],
    std: normalize ? rgb(repo, file, p, 'image_std', 1) : [1, 1, 1],
  };
}

/** The VLM's image processor as an encoder preprocess: SigLIP's `{height, width}` or CLIP's shortest edge + center crop. */
export function encoderPreprocess(repo: string, p: Json): EncoderPreprocess {
  const file = 'preprocessor_config.json';
  const size = p.size;
  const norm = normalization(repo, p);
  if (typeof size === 'object' && size !== null && 'height' in size && 'width' in size) {
    const s = size as Json;
    const h = positiveInt(repo, file, s, 'height', 'size.height');
    const w = positiveInt(repo, file, s, 'width', 'size.width');
    return { shortestEdge: Math.min(h, w), cropSize: [h, w], mode: 'resize', ...norm };
  }
  const shortest = typeof size === 'number' ? size : typeof size === 'object' && size !== null ? (size as Json).shortest_edge : undefined;
  const crop = jsonObject(p, 'crop_size');
  if (typeof shortest === 'number' && p.do_center_crop !== false && crop) {
    return {
      shortestEdge: shortest,
      cropSize: [positiveInt(repo, file, crop, 'height', 'crop_size.height'), positiveInt(repo, file, crop, 'width', 'crop_size.width')],
      mode: 'crop',
      ...norm,
    };
  }
  return failRepoField(repo, file, 'size', `must be {height, width}, or a shortest edge with crop_size (a fixed-size input), got ${JSON.stringify(size)}`);
}

/** SamImageProcessor settings as a segmenter preprocess. */
export function segmenterPreprocess(repo: string, p: Json): SegmenterPreprocess {
  const file = 'preprocessor_config.json';
  const size = jsonObject(p, 'size');
  if (!size) failRepoField(repo, file, 'size', 'must be {longest_edge}');
  const longestEdge = positiveInt(repo, file, size, 'longest_edge', 'size.longest_edge');
  const pad = jsonObject(p, 'pad_size');
  const padSize = pad ? positiveInt(repo, file, pad, 'height', 'pad_size.height') : longestEdge;
  if (pad && pad.width !== padSize) failRepoField(repo, file, 'pad_size', `must be square, got ${JSON.stringify(pad)}`);
  if (padSize < longestEdge) failRepoField(repo, file, 'pad_size', `(${padSize}) must be at least size.longest_edge (${longestEdge})`);
  return { longestEdge, padSize, ...normalization(repo, p) };
}
