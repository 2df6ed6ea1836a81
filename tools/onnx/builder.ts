/**
 * A small ONNX graph builder on onnx-proto (IR 8, default opset 17 so Debian's onnx 1.12 checker
 * accepts the files). It covers what our models need: typed graph inputs/outputs with symbolic
 * dims, initializers, constants and nodes with int/float/string/tensor attributes.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Element types the builder writes. */
export type DType = 'float32' | 'int64' | 'bool';

/** A tensor dimension: a fixed size or a symbolic name such as 'batch_size'. */
export type Dim = number | string;

/** Marks a float attribute (plain numbers are written as ints). */
export interface FloatAttr {
  float: number;
}

/** A node attribute: int, ints, float (via {@link float}) or string. */
export type Attr = number | number[] | string | FloatAttr;

/** Wraps a number so it is written as a float attribute (e.g. LayerNormalization's epsilon). */
export function float(value: number): FloatAttr {
  return { float: value };
}

const elemType: Record<DType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
};

function valueInfo(name: string, type: DType, dims: Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: elemType[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: Attr): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if (typeof value === 'number') return { name, type: T.INT, i: value };
  return { name, type: T.FLOAT, f: value.float };
}

function rawBytes(data: Float32Array | BigInt64Array | Uint8Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Builds one graph; `op` returns the new value's name so graphs read like expressions. */
export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private counter = 0;
  private readonly constCache = new Map<string, string>();

  /** @param name graph name, also the prefix of generated value names' producer. */
  constructor(private readonly name: string) {}

  /** A fresh value name with a readable prefix. */
  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  /** Declares a graph input and returns its name. */
  input(name: string, type: DType, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Declares `value` as graph output `name` (inserting an Identity when the names differ). */
  output(value: string, name: string, type: DType, dims: Dim[]): void {
    if (value !== name) this.nodes.push({ opType: 'Identity', input: [value], output: [name], name: `${name}_out` });
    this.outputs.push(valueInfo(name, type, dims));
  }

  /** Adds an initializer (a weight) and returns its name. */
  weight(name: string, data: Float32Array, dims: number[]): string {
    if (data.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`weight ${name}: ${data.length} values for dims [${dims}]`);
    this.initializers.push({ name, dims, dataType: elemType.float32, rawData: rawBytes(data) });
    return name;
  }

  /** A float32 constant (shared between identical uses). `dims` [] makes a scalar. */
  f32(values: number[] | Float32Array, dims: number[] = [values.length]): string {
    return this.constant('float32', Float32Array.from(values), dims);
  }

  /** An int64 constant (shared between identical uses). `dims` [] makes a scalar. */
  i64(values: number[], dims: number[] = [values.length]): string {
    return this.constant('int64', BigInt64Array.from(values, (v) => BigInt(v)), dims);
  }

  private constant(type: DType, data: Float32Array | BigInt64Array, dims: number[]): string {
    const key = `${type}:${dims.join(',')}:${data.join(',')}`;
    const cached = this.constCache.get(key);
    if (cached) return cached;
    const name = this.fresh('const');
    this.initializers.push({ name, dims, dataType: elemType[type], rawData: rawBytes(data) });
    this.constCache.set(key, name);
    return name;
  }

  /** Adds a node with one output and returns the output's name. Empty-string inputs are omitted optionals. */
  op(opType: string, inputs: string[], attrs: Record<string, Attr> = {}): string {
    return this.opN(opType, inputs, 1, attrs)[0] as string;
  }

  /** Adds a node with `count` outputs and returns their names. */
  opN(opType: string, inputs: string[], count: number, attrs: Record<string, Attr> = {}): string[] {
    const output = Array.from({ length: count }, () => this.fresh(opType.toLowerCase()));
    this.nodes.push({
      opType,
      input: inputs,
      output,
      name: `${opType}_${this.counter++}`,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return output;
  }

  /** Serialises the model (IR 8, the given opset of the default domain). */
  toBytes(opset = 17): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'mask-llava-web tools/onnx',
      opsetImport: [{ domain: '', version: opset }],
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
