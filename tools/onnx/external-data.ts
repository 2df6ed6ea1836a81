/**
 * Moves a model's weights into external data files, the layout transformers.js loads through
 * `use_external_data_format` and hands to onnxruntime-web as `externalData`: `{file}_data`,
 * `{file}_data_1`, ... next to `{file}` (e.g. decoder_model_merged.onnx_data). Each initializer
 * lives whole in one chunk; chunks are filled in order up to an even share of the bytes.
 */
import { decodeModel, encodeModel, rawBytes } from './proto.ts';

/** A model whose weights live beside it. */
export interface ExternalDataModel {
  /** The .onnx bytes (graph only, initializers point at the data files). */
  model: Uint8Array;
  /** Data files by name (relative to the model's folder), in chunk order. */
  data: Map<string, Uint8Array>;
}

/** Chunk names transformers.js asks for: `{fileName}_data`, then `{fileName}_data_{i}`. */
export function externalDataNames(fileName: string, chunks: number): string[] {
  return Array.from({ length: chunks }, (_, i) => `${fileName}_data${i === 0 ? '' : `_${i}`}`);
}

/**
 * Splits `bytes` (the model saved as `fileName`) into a graph and `chunks` data files. Tensors
 * smaller than `minBytes` stay inline, as onnx's save_model(size_threshold=1024) keeps them.
 */
export function toExternalData(bytes: Uint8Array, fileName: string, chunks = 1, minBytes = 1024): ExternalDataModel {
  const model = decodeModel(bytes);
  const moved = (model.graph?.initializer ?? []).filter((t) => (t.rawData?.byteLength ?? 0) >= minBytes);
  const total = moved.reduce((s, t) => s + (t.rawData?.byteLength ?? 0), 0);
  const names = externalDataNames(fileName, chunks);
  const parts: Uint8Array[][] = names.map(() => []);
  const sizes = names.map(() => 0);
  let chunk = 0;
  let before = 0; // bytes in earlier chunks
  for (const t of moved) {
    const data = rawBytes(t);
    if (chunk < chunks - 1 && sizes[chunk] !== 0 && before + (sizes[chunk] as number) + data.byteLength > (total * (chunk + 1)) / chunks) {
      before += sizes[chunk] as number;
      chunk++;
    }
    const offset = sizes[chunk] as number;
    (parts[chunk] as Uint8Array[]).push(data);
    sizes[chunk] = offset + data.byteLength;
    t.rawData = new Uint8Array(0);
    t.dataLocation = 1; // EXTERNAL
    t.externalData = [
      { key: 'location', value: names[chunk] as string },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(data.byteLength) },
    ];
  }
  const data = new Map(names.map((name, i) => [name, concat(parts[i] as Uint8Array[], sizes[i] as number)]));
  return { model: encodeModel(model), data };
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
