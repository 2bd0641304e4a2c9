// Minimal ONNX graph builder on top of the `onnx-proto` protobuf bindings:
// initializers from typed arrays (raw_data, little-endian), nodes with
// auto-named outputs, typed graph inputs/outputs, and serialisation.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

export const ElemType = {
  float: DT.FLOAT,
  int64: DT.INT64,
  int32: DT.INT32,
  int8: DT.INT8,
  uint8: DT.UINT8,
};

function typedToBytes(arr) {
  // Node and every platform ORT runs on are little-endian, as ONNX raw_data requires.
  return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
}

function attribute(name, value) {
  if (value instanceof Float) return { name, type: AT.FLOAT, f: value.v };
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { name, type: AT.INT, i: value } : { name, type: AT.FLOAT, f: value };
  }
  if (typeof value === 'string') return { name, type: AT.STRING, s: Buffer.from(value, 'utf8') };
  if (Array.isArray(value) && value.every((v) => Number.isInteger(v))) return { name, type: AT.INTS, ints: value };
  if (Array.isArray(value)) return { name, type: AT.FLOATS, floats: value };
  throw new Error(`unsupported attribute ${name}=${value}`);
}

/** Wraps a number that must be encoded as a FLOAT attribute even if it is integral. */
export class Float {
  constructor(v) { this.v = v; }
}

export class GraphBuilder {
  constructor(name) {
    this.name = name;
    this.nodes = [];
    this.initializers = [];
    this.inputs = [];
    this.outputs = [];
    this.counter = 0;
    this.names = new Set();
    this.consts = new Map();
  }

  fresh(hint) {
    let n;
    do n = `${hint}_${this.counter++}`; while (this.names.has(n));
    this.names.add(n);
    return n;
  }

  /** Adds an initializer; returns its name. */
  init(name, elemType, dims, data) {
    if (this.names.has(name)) throw new Error(`duplicate tensor name ${name}`);
    const count = dims.reduce((a, b) => a * b, 1);
    if (data.length !== count) throw new Error(`initializer ${name}: ${data.length} values for dims [${dims}]`);
    this.names.add(name);
    this.initializers.push({ name, dataType: elemType, dims, rawData: typedToBytes(data) });
    return name;
  }

  /** Small shared constants (deduplicated by value). */
  constF(values, dims = [values.length]) {
    return this.#shared('f', ElemType.float, dims, Float32Array.from(values));
  }
  constI64(values, dims = [values.length]) {
    return this.#shared('i', ElemType.int64, dims, BigInt64Array.from(values.map((v) => BigInt(v))));
  }
  #shared(kind, elemType, dims, data) {
    const key = `${kind}:${dims.join('x')}:${Array.from(data).join(',')}`;
    let name = this.consts.get(key);
    if (!name) {
      name = this.init(`const_${kind}${this.consts.size}`, elemType, dims, data);
      this.consts.set(key, name);
    }
    return name;
  }

  input(name, elemType, dims) {
    this.names.add(name);
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name, elemType, dims) {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /**
   * Adds a node. `outputs` is a count (auto names) or an array of explicit names.
   * Returns the single output name, or the array when there are several.
   */
  op(opType, inputs, attrs = {}, outputs = 1) {
    const outNames = Array.isArray(outputs)
      ? outputs.map((n) => { this.names.add(n); return n; })
      : Array.from({ length: outputs }, () => this.fresh(opType));
    this.nodes.push({
      opType,
      name: this.fresh(`n_${opType}`),
      input: inputs,
      output: outNames,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outNames.length === 1 ? outNames[0] : outNames;
  }

  /** Serialises a ModelProto. */
  encode({ opset = 13, irVersion = 8, producer = 'eci-sem', docString = '', metadata = {} } = {}) {
    const model = onnx.ModelProto.create({
      irVersion,
      producerName: producer,
      producerVersion: '1',
      docString,
      opsetImport: [{ domain: '', version: opset }],
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value: String(value) })),
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    const err = onnx.ModelProto.verify(model);
    if (err) throw new Error(`invalid ModelProto: ${err}`);
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name, elemType, dims) {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}
