// Verifies that the TF graph in model.json is the architecture use-lite-graph.mjs
// rebuilds (so a different package version fails loudly instead of converting
// into a silently wrong ONNX model), and returns the few facts the build needs.
import { weightNames } from './use-lite-graph.mjs';

const K = 'module_apply_default/Encoder_en/KonaTransformer/';
const E = `${K}Encode/`;
const S = `${E}TransformerStack/`;

const EXPECTED_OPS = new Set([
  'Placeholder', 'Const', 'StridedSlice', 'Less', 'Where', 'Reshape', 'GatherV2', 'Max', 'Add', 'Shape',
  'Maximum', 'SparseToDense', 'Greater', 'LogicalNot', 'Cast', 'ConcatV2', 'Sum', 'Mul', 'ScatterNd',
  'ExpandDims', 'GatherNd', 'Sin', 'Cos', 'Mean', 'Sub', 'MatMul', 'Square', 'BiasAdd', 'Rsqrt', 'Conv2D',
  'Squeeze', 'SplitV', 'Pack', 'Transpose', 'BatchMatMul', 'Slice', 'Softmax', 'Prod', 'Relu', 'Range',
  'RealDiv', 'Tanh',
]);

export function checkTopology(topology, weights) {
  const nodes = new Map((topology.node ?? []).map((n) => [n.name, n]));
  const fail = (msg) => { throw new Error(`model.json is not the expected USE-lite graph: ${msg}`); };
  const node = (name, op) => {
    const n = nodes.get(name);
    if (!n) fail(`node ${name} is missing`);
    if (op && n.op !== op) fail(`node ${name} is ${n.op}, expected ${op}`);
    return n;
  };
  const inputs = (name, op, ...want) => {
    const got = (node(name, op).input ?? []).map((i) => i.replace(/^\^/, ''));
    want.forEach((w, i) => { if (w !== null && got[i] !== w) fail(`input ${i} of ${name} is ${got[i]}, expected ${w}`); });
    return got;
  };
  const value = (name) => {
    const w = weights.get(name);
    if (!w) fail(`constant ${name} has no weight data`);
    return w.data[0];
  };

  const unknownOps = [...new Set([...nodes.values()].map((n) => n.op))].filter((op) => !EXPECTED_OPS.has(op));
  if (unknownOps.length) fail(`unexpected ops ${unknownOps.join(', ')}`);
  for (const p of ['indices', 'values']) node(p, 'Placeholder');

  // dense ids from the sparse input: padding is -1, tokens are id > -1, clip at maxLength columns
  const [, , , dflt] = inputs(`${E}SparseToDense`, 'SparseToDense');
  if (value(dflt) !== -1) fail(`SparseToDense default is ${value(dflt)}, expected -1`);
  inputs(`${E}Greater`, 'Greater', `${E}SparseToDense`, dflt);
  const maxLength = value(inputs(`${K}ClipToMaxLength/Less`, 'Less')[1]);

  // x0 = Scatter(emb) + Scatter(emb + [sin, cos])
  inputs(`${S}Layer_0/add`, 'Add', `${E}Scatter/ScatterNd`, `${S}Layer_0/AddTimingSignal/Scatter/ScatterNd`);
  inputs(`${S}Layer_0/AddTimingSignal/add`, 'Add', `${S}Layer_0/AddTimingSignal/Gather/GatherNd`, `${S}Layer_0/AddTimingSignal/TimingSignal/concat`);
  inputs(`${S}Layer_0/AddTimingSignal/TimingSignal/concat`, 'ConcatV2', `${S}Layer_0/AddTimingSignal/TimingSignal/Sin`, `${S}Layer_0/AddTimingSignal/TimingSignal/Cos`);
  inputs(`${S}Layer_0/AddTimingSignal/TimingSignal/mul_2`, 'Mul', null, weightNames.invTimescales);
  inputs(`${E}embedding_lookup`, 'GatherV2', weightNames.embeddings);

  if ([...nodes.keys()].some((n) => n.startsWith(`${S}Layer_2/`))) fail('more than two transformer layers');
  const maskBias = `${S}Layer_1/TransformerLayer/MultiheadAttention/DotProductAttention/attention_bias_ignore_padding/mul`;
  inputs(maskBias, 'Mul', null, weightNames.maskBias);
  let previous = `${S}Layer_0/add`;
  for (const l of [0, 1]) {
    const T = `${S}Layer_${l}/TransformerLayer/`;
    const ln = `${T}layer_prepostprocess/layer_norm/`;
    inputs(`${ln}Mean`, 'Mean', previous);
    inputs(`${ln}add`, 'Add', `${ln}Mean_1`, weightNames.lnEps);
    inputs(`${T}FFN/layer_prepostprocess/layer_norm/add`, 'Add', null, weightNames.lnEps);
    inputs(`${T}MultiheadAttention/mul`, 'Mul', `${T}MultiheadAttention/split_heads/transpose`, weightNames.layer(l).qScale);
    inputs(`${T}MultiheadAttention/DotProductAttention/BaseDotProductAttention/add`, 'Add', null, `${maskBias.replace(/mul$/, '')}ExpandDims_1`);
    node(`${T}MultiheadAttention/DotProductAttention/BaseDotProductAttention/Softmax`, 'Softmax');
    node(`${T}FFN/conv1/Relu`, 'Relu');
    const residual = l === 0 ? `${T}AdjustResidualInput/Scatter/ScatterNd` : previous;
    if (l === 0) inputs(`${T}AdjustResidualInput/dense/MatMul`, 'MatMul', null, weightNames.residualW);
    inputs(`${T}layer_postprocess/add`, 'Add', `${T}MultiheadAttention/Squeeze_1`, residual);
    inputs(`${T}FFN/layer_postprocess/add`, 'Add', `${T}FFN/Scatter/ScatterNd`, `${T}layer_postprocess/add`);
    previous = `${T}FFN/layer_postprocess/add`;
  }

  // masked mean / max(count, 1) -> tanh dense -> l2 normalise
  inputs(`${K}mul`, 'Mul', previous);
  inputs(`${K}Maximum`, 'Maximum', `${S}MaskLength/Sum`, null);
  if (value(node(`${K}Maximum`).input[1]) !== 1) fail('mean pooling does not divide by max(count, 1)');
  inputs(`${K}div`, 'RealDiv', `${K}Sum`, `${K}ExpandDims_1`);
  const H = 'module_apply_default/Encoder_en/hidden_layers/';
  inputs(`${H}tanh_layer_0/MatMul`, 'MatMul', `${K}div`, weightNames.tanhW);
  inputs(`${H}tanh_layer_0/Tanh`, 'Tanh', `${H}tanh_layer_0/BiasAdd`);
  inputs(`${H}l2_normalize`, 'Mul', `${H}tanh_layer_0/Tanh`, `${H}l2_normalize/Rsqrt`);

  const emb = weights.get(weightNames.embeddings);
  const tanh = weights.get(weightNames.tanhW);
  return { maxLength, dimension: tanh.shape[1], vocabRows: emb.shape[0] };
}
