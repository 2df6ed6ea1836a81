/**
 * The smallest useful ONNX model, y = Identity(x) over one float, written here (field numbers
 * from onnx.proto) so that ONNX Runtime can be started before any model file has arrived.
 */
import { concat, integer, message, text } from './protobuf.ts';

/** ValueInfoProto `name`: a float tensor of shape [1]. */
function floatScalar(field: number, name: string): Uint8Array[] {
  const shape = message(2, message(1, integer(1, 1))); // TensorShapeProto { dim { dim_value: 1 } }
  const tensorType = message(1, [...integer(1, 1), ...shape]); // TypeProto.Tensor { elem_type: FLOAT, shape }
  return message(field, [...text(1, name), ...message(2, tensorType)]);
}

/** ModelProto { ir_version: 7, opset_import { version: 13 }, graph { Identity x -> y } }. */
export function identityModel(): Uint8Array {
  const node = message(1, [...text(1, 'x'), ...text(2, 'y'), ...text(4, 'Identity')]);
  const graph = message(7, [...node, ...text(2, 'identity'), ...floatScalar(11, 'x'), ...floatScalar(12, 'y')]);
  return concat([...integer(1, 7), ...message(8, integer(2, 13)), ...graph]);
}
