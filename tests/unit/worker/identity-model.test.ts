import { describe, expect, it } from 'vitest';
import { identityModel } from '../../../src/worker/identity-model.ts';
import { decodeModel, toNumber } from '../../../tools/onnx/proto.ts';

describe('identityModel', () => {
  it('is an ONNX model y = Identity(x) over one float, as onnx.proto reads it', () => {
    const m = decodeModel(identityModel());
    expect(toNumber(m.irVersion)).toBe(7);
    expect(m.opsetImport?.map((o) => [o.domain ?? '', toNumber(o.version)])).toEqual([['', 13]]);
    const g = m.graph!;
    expect(g.node?.map((n) => [n.opType, n.input, n.output])).toEqual([['Identity', ['x'], ['y']]]);
    for (const [values, name] of [[g.input, 'x'], [g.output, 'y']] as const) {
      expect(values?.map((v) => [v.name, v.type?.tensorType?.elemType, v.type?.tensorType?.shape?.dim?.map((d) => toNumber(d.dimValue))])).toEqual([[name, 1, [1]]]);
    }
  });
});
