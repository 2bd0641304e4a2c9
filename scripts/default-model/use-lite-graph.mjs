// Builds the ONNX (opset 13) graph of the Universal Sentence Encoder lite
// ("KonaTransformer") from its TF.js weights, op for op as in the TF graph:
//
//   x0  = 2·E[id] + [sin(p·inv), cos(p·inv)]        (Layer_0/add = Scatter(emb) + Scatter(emb + timing))
//   per layer l:  a = LN(x); q,k,v = split(a·Wqkv + b); q *= 1/sqrt(depth)
//                 attn = softmax(q·kᵀ + (1-mask)·-1e9)·v  (4 heads)
//                 h = attn·Wo + bo + residual   (layer 0: residual = x0·Wd + bd, 256→512)
//                 y = relu(LN(h)·W1 + b1)·W2 + b2 + h
//   pooled = Σ mask·y / max(Σ mask, 1);  out = l2norm(tanh(pooled·Wt + bt))
//
// LN: scale·(x-mean)·rsqrt(mean((x-mean)²) + 1e-6) + bias (values read from the graph).
// With `int8`, each weight MatMul (except the labels `skipQuant` keeps fp32) becomes
// DynamicQuantizeLinear + MatMulInteger (per-tensor uint8 activations, symmetric
// per-column int8 weights, rescaled in float), and the embedding table is stored
// int8 with one scale per row (Gather + Cast + Mul).
// Inputs are clipped to the first maxLength (128) columns; positions are the running
// count of attended tokens, so left padding works too as long as sequence <= 128.
import { GraphBuilder, ElemType } from './onnx-builder.mjs';

const P = 'module_apply_default/Encoder_en/KonaTransformer/Encode/';
const M = 'module/Encoder_en/KonaTransformer/Encode/';

export const weightNames = {
  embeddings: 'module/Embeddings_en',
  invTimescales: `${P}TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`,
  lnEps: `${P}TransformerStack/Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x`,
  maskBias: `${P}TransformerStack/Layer_1/TransformerLayer/MultiheadAttention/DotProductAttention/attention_bias_ignore_padding/mul/y`,
  numHeads: `${P}TransformerStack/Layer_1/TransformerLayer/MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/2`,
  maxLength: 'module_apply_default/Encoder_en/KonaTransformer/ClipToMaxLength/Less/y',
  tanhW: 'module/Encoder_en/hidden_layers/tanh_layer_0/weights',
  tanhB: 'module/Encoder_en/hidden_layers/tanh_layer_0/bias',
  l2Eps: 'module_apply_default/Encoder_en/hidden_layers/l2_normalize/Maximum/y',
  residualW: `${P}Layer_0/TransformerLayer/dense/kernel/ConcatPartitions/concat`,
  residualB: `${P}Layer_0/TransformerLayer/dense/bias/ConcatPartitions/concat`,
  layer: (l) => ({
    ln1Scale: `${P}Layer_${l}/TransformerLayer/layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat`,
    ln1Bias: `${P}Layer_${l}/TransformerLayer/layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat`,
    qkvW: `${M}Layer_${l}/TransformerLayer/MultiheadAttention/qkv_transform_single/kernel/part_0`,
    qkvB: `${P}Layer_${l}/TransformerLayer/MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat`,
    qScale: `${P}TransformerStack/Layer_${l}/TransformerLayer/MultiheadAttention/mul/y`,
    depth: `${P}TransformerStack/Layer_${l}/TransformerLayer/MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3`,
    outW: `${M}Layer_${l}/TransformerLayer/MultiheadAttention/output_transform_single/kernel/part_0`,
    outB: `${P}Layer_${l}/TransformerLayer/MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat`,
    ln2Scale: `${P}Layer_${l}/TransformerLayer/FFN/layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat`,
    ln2Bias: `${P}Layer_${l}/TransformerLayer/FFN/layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat`,
    ffn1W: `${P}TransformerStack/Layer_${l}/TransformerLayer/FFN/conv1/Tensordot/Reshape_1`,
    ffn1B: `${P}Layer_${l}/TransformerLayer/FFN/conv1/bias/ConcatPartitions/concat`,
    ffn2W: `${P}TransformerStack/Layer_${l}/TransformerLayer/FFN/conv2/Tensordot/Reshape_1`,
    ffn2B: `${P}Layer_${l}/TransformerLayer/FFN/conv2/bias/ConcatPartitions/concat`,
  }),
};

function get(weights, name) {
  const w = weights.get(name);
  if (!w) throw new Error(`weight ${name} not found in model.json`);
  return w;
}
const scalar = (weights, name) => get(weights, name).data[0];

/** Symmetric per-column int8 quantisation of a [K, N] row-major matrix. */
function quantizeColumns(data, K, N) {
  const scale = new Float32Array(N);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) scale[n] = Math.max(scale[n], Math.abs(data[k * N + n]));
  for (let n = 0; n < N; n++) scale[n] = scale[n] > 0 ? scale[n] / 127 : 1;
  const q = new Int8Array(K * N);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) {
    q[k * N + n] = Math.max(-127, Math.min(127, Math.round(data[k * N + n] / scale[n])));
  }
  return { q, scale };
}

/** Symmetric per-row int8 quantisation of a [R, C] row-major matrix (scales as [R, 1]). */
function quantizeRows(data, R, C) {
  const scale = new Float32Array(R);
  const q = new Int8Array(R * C);
  for (let r = 0; r < R; r++) {
    let m = 0;
    for (let c = 0; c < C; c++) m = Math.max(m, Math.abs(data[r * C + c]));
    const s = m > 0 ? m / 127 : 1;
    scale[r] = s;
    for (let c = 0; c < C; c++) q[r * C + c] = Math.max(-127, Math.min(127, Math.round(data[r * C + c] / s)));
  }
  return { q, scale };
}

/**
 * @param {Map<string, {shape:number[], data:Float32Array|Int32Array}>} weights
 * @param {{int8?: boolean, skipQuant?: (label: string) => boolean, docString?: string, metadata?: Record<string,string>}} opts
 * @returns {{ bytes: Uint8Array, info: object }}
 */
export function buildUseLiteOnnx(weights, { int8 = false, docString = '', metadata = {}, skipQuant = () => false } = {}) {
  const g = new GraphBuilder(int8 ? 'use_lite_en_int8' : 'use_lite_en');
  const F = ElemType.float;
  const quantCache = new Map();

  const linear = (x, wName, bName, label) => {
    const w = get(weights, wName);
    const [K, N] = w.shape.length === 4 ? w.shape.slice(2) : w.shape;
    const bias = g.init(`${label}.bias`, F, [N], get(weights, bName).data);
    let y;
    if (!int8 || skipQuant(label)) {
      y = g.op('MatMul', [x, g.init(`${label}.weight`, F, [K, N], w.data)]);
    } else {
      let xq = quantCache.get(x);
      if (!xq) {
        xq = g.op('DynamicQuantizeLinear', [x], {}, 3);
        quantCache.set(x, xq);
      }
      const { q, scale } = quantizeColumns(w.data, K, N);
      const wq = g.init(`${label}.weight_int8`, ElemType.int8, [K, N], q);
      const ws = g.init(`${label}.weight_scale`, F, [N], scale);
      const acc = g.op('MatMulInteger', [xq[0], wq, xq[2]]);
      const scaleRow = g.op('Mul', [xq[1], ws]);
      y = g.op('Mul', [g.op('Cast', [acc], { to: F }), scaleRow]);
    }
    return g.op('Add', [y, bias]);
  };

  const layerNorm = (x, scaleName, biasName, label, eps) => {
    const dims = get(weights, scaleName).shape;
    const scale = g.init(`${label}.scale`, F, dims, get(weights, scaleName).data);
    const bias = g.init(`${label}.bias`, F, dims, get(weights, biasName).data);
    const mean = g.op('ReduceMean', [x], { axes: [-1], keepdims: 1 });
    const d = g.op('Sub', [x, mean]);
    const variance = g.op('ReduceMean', [g.op('Mul', [d, d])], { axes: [-1], keepdims: 1 });
    const rstd = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [variance, g.constF([eps], [])])])]);
    return g.op('Add', [g.op('Mul', [g.op('Mul', [scale, rstd]), d]), bias]);
  };

  const eps = scalar(weights, weightNames.lnEps);
  const maskBiasValue = scalar(weights, weightNames.maskBias);
  const heads = scalar(weights, weightNames.numHeads);
  const maxLength = scalar(weights, weightNames.maxLength);

  // ---- inputs, clipping to the graph's max length (first maxLength columns)
  const ids0 = g.input('input_ids', ElemType.int64, ['batch', 'sequence']);
  const mask0 = g.input('attention_mask', ElemType.int64, ['batch', 'sequence']);
  const clip = (t) => g.op('Slice', [t, g.constI64([0]), g.constI64([maxLength]), g.constI64([1])]);
  const ids = clip(ids0);
  const maskI = clip(mask0);
  const maskF = g.op('Cast', [maskI], { to: F }); // [B,S]

  // ---- embeddings + timing signal; positions count only attended tokens (padding-side agnostic)
  const emb0 = get(weights, weightNames.embeddings);
  const [vocabRows, width0] = emb0.shape;
  let emb;
  if (!int8 || skipQuant('embeddings')) {
    emb = g.op('Gather', [g.init('embeddings', F, emb0.shape, emb0.data), ids], { axis: 0 });
  } else {
    const { q, scale } = quantizeRows(emb0.data, vocabRows, width0);
    const eq = g.op('Gather', [g.init('embeddings_int8', ElemType.int8, emb0.shape, q), ids], { axis: 0 });
    const es = g.op('Gather', [g.init('embeddings_scale', F, [vocabRows, 1], scale), ids], { axis: 0 });
    emb = g.op('Mul', [g.op('Cast', [eq], { to: F }), es]);
  }
  const positions = g.op('Cast', [g.op('Sub', [g.op('CumSum', [maskI, g.constI64([1], [])]), g.constI64([1], [])])], { to: F });
  const inv = get(weights, weightNames.invTimescales);
  const invT = g.init('inv_timescales', F, [inv.data.length], inv.data);
  const angles = g.op('Mul', [g.op('Unsqueeze', [positions, g.constI64([-1])]), invT]); // [B,S,128]
  const timing = g.op('Concat', [g.op('Sin', [angles]), g.op('Cos', [angles])], { axis: -1 });
  if (2 * inv.data.length !== width0) throw new Error(`timing signal width ${2 * inv.data.length} != embedding width ${width0}`);
  let x = g.op('Add', [emb, g.op('Add', [emb, timing])]);

  // additive attention bias [B,1,1,S]: 0 for tokens, -1e9 for padding
  const notMask = g.op('Sub', [g.constF([1], []), maskF]);
  const attnBias = g.op('Unsqueeze', [g.op('Mul', [notMask, g.constF([maskBiasValue], [])]), g.constI64([1, 2])]);

  for (let l = 0; l < 2; l++) {
    const n = weightNames.layer(l);
    const width = get(weights, n.ln1Scale).shape[0];
    const depth = scalar(weights, n.depth);
    if (depth * heads !== width) throw new Error(`layer ${l}: ${heads} heads x ${depth} != width ${width}`);
    const a = layerNorm(x, n.ln1Scale, n.ln1Bias, `layer${l}.ln_attn`, eps);
    const qkv = linear(a, n.qkvW, n.qkvB, `layer${l}.attn.qkv`);
    const [q0, k0, v0] = g.op('Split', [qkv, g.constI64([width, width, width])], { axis: -1 }, 3);
    const headShape = g.constI64([0, 0, heads, depth]);
    const split = (t, perm) => g.op('Transpose', [g.op('Reshape', [t, headShape])], { perm });
    const q = g.op('Mul', [split(q0, [0, 2, 1, 3]), g.constF([scalar(weights, n.qScale)], [])]);
    const kT = split(k0, [0, 2, 3, 1]);
    const v = split(v0, [0, 2, 1, 3]);
    const logits = g.op('Add', [g.op('MatMul', [q, kT]), attnBias]);
    const probs = g.op('Softmax', [logits], { axis: -1 });
    const ctx = g.op('Reshape', [
      g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] }),
      g.constI64([0, 0, width]),
    ]);
    const attnOut = linear(ctx, n.outW, n.outB, `layer${l}.attn.out`);
    const residual = l === 0 ? linear(x, weightNames.residualW, weightNames.residualB, 'layer0.residual') : x;
    const h = g.op('Add', [attnOut, residual]);
    const b = layerNorm(h, n.ln2Scale, n.ln2Bias, `layer${l}.ln_ffn`, eps);
    const f1 = g.op('Relu', [linear(b, n.ffn1W, n.ffn1B, `layer${l}.ffn.1`)]);
    const f2 = linear(f1, n.ffn2W, n.ffn2B, `layer${l}.ffn.2`);
    x = g.op('Add', [f2, h]);
  }

  // ---- masked mean pooling; max(count, 1) keeps all-padding rows finite
  const summed = g.op('ReduceSum', [g.op('Mul', [x, g.op('Unsqueeze', [maskF, g.constI64([-1])])]), g.constI64([1])], { keepdims: 0 });
  const count = g.op('Max', [g.op('ReduceSum', [maskF, g.constI64([1])], { keepdims: 1 }), g.constF([1], [])]);
  const pooled = g.op('Div', [summed, count]);
  const t = g.op('Tanh', [linear(pooled, weightNames.tanhW, weightNames.tanhB, 'pooler.dense')]);
  const sq = g.op('ReduceSum', [g.op('Mul', [t, t]), g.constI64([1])], { keepdims: 1 });
  const rnorm = g.op('Reciprocal', [g.op('Sqrt', [g.op('Max', [sq, g.constF([scalar(weights, weightNames.l2Eps)], [])])])]);
  const dim = get(weights, weightNames.tanhW).shape[1];
  g.op('Mul', [t, rnorm], {}, ['sentence_embedding']);
  g.output('sentence_embedding', F, ['batch', dim]);

  const bytes = g.encode({ docString, metadata });
  return { bytes, info: { dimension: dim, maxLength, heads, nodes: g.nodes.length } };
}
