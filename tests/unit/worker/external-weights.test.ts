import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { externalizeWeights } from '../../../src/worker/external-weights.ts';
import { decodeModel, encodeModel } from '../../../tools/onnx/proto.ts';

const SHAPESWORLD = join(import.meta.dirname, '../../../public/models/shapesworld');
/** Byte equality without vitest's element-by-element diffing of megabytes. */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;
const FILES = ['encoder/model.onnx', 'llm/decoder_model_merged.onnx', 'segmenter/prompt_encoder_mask_decoder.onnx', 'projector.onnx'];

describe('externalizeWeights', () => {
  it.each(FILES)('points the large initializers of %s at their bytes in the file and keeps everything else', (file) => {
    const bytes = new Uint8Array(readFileSync(join(SHAPESWORLD, file)));
    const out = externalizeWeights(bytes, 'self.bin');
    expect(out).toBeDefined();
    expect(out!.length).toBeLessThan(bytes.length / 4);
    const before = decodeModel(bytes);
    const after = decodeModel(out!);
    const moved = after.graph!.initializer!.filter((t) => t.dataLocation === 1);
    expect(moved.length).toBeGreaterThan(0);
    for (const [i, t] of after.graph!.initializer!.entries()) {
      const original = before.graph!.initializer![i]!;
      expect({ name: t.name, dims: t.dims, dataType: t.dataType }).toEqual({ name: original.name, dims: original.dims, dataType: original.dataType });
      if (t.dataLocation !== 1) {
        expect(t).toEqual(original);
        expect(original.rawData?.length ?? 0).toBeLessThan(1024);
        continue;
      }
      const ext = Object.fromEntries(t.externalData!.map((e) => [e.key, e.value]));
      expect(ext.location).toBe('self.bin');
      const data = bytes.subarray(Number(ext.offset), Number(ext.offset) + Number(ext.length));
      expect(same(data, original.rawData!)).toBe(true);
      expect(t.rawData?.length ?? 0).toBe(0);
    }
    // Everything but the initializers is byte for byte the same.
    before.graph!.initializer = [];
    after.graph!.initializer = [];
    expect(same(encodeModel(after), encodeModel(before))).toBe(true);
  });

  it('returns undefined when no initializer is large enough to move', () => {
    const model = decodeModel(new Uint8Array(readFileSync(join(SHAPESWORLD, 'projector.onnx'))));
    model.graph!.initializer = model.graph!.initializer!.filter((t) => (t.rawData?.length ?? 0) < 1024);
    expect(externalizeWeights(encodeModel(model), 'self.bin')).toBeUndefined();
  });

  it('rejects bytes that are not protobuf', () => {
    expect(() => externalizeWeights(Uint8Array.of(0x0a, 0x80), 'self.bin')).toThrow(/protobuf/);
  });
});
