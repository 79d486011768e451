import { A, floatTensor, int64Tensor, node, type GraphPart } from './onnx.js';
import type { ModelSpec } from './spec.js';
import { LAYER_NORM_EPSILON, positionalEncoding, transformerShape } from './transformer.js';

/**
 * The Transformer encoder (transformer.ts) in standard ONNX ops, opset 17: MatMul on [batch, T, d] with [d, k]
 * weights, LayerNormalization over the last axis, Softmax over the last axis, ReduceMean over time for the
 * pooling. Writes the pooled [batch, d] vector to `output`; modelGraph adds the head.
 */
export function transformerGraph(
  spec: ModelSpec,
  p: Record<string, Float32Array>,
  n: (name: string) => string,
  input: string,
  output: string,
): GraphPart {
  const { windowSize: T, features: F } = spec;
  const { d, layers, heads, headDim, ffn } = transformerShape(spec);
  const nodes: GraphPart['nodes'] = [];
  const initializer: GraphPart['initializer'] = [
    floatTensor(n('in_w'), [F, d], p.in_w!),
    floatTensor(n('in_b'), [d], p.in_b!),
    floatTensor(n('pe'), [T, d], positionalEncoding(T, d)),
    int64Tensor(n('heads_shape'), [0, T, heads, headDim]),
    int64Tensor(n('merge_shape'), [0, T, d]),
    floatTensor(n('scale'), [], Float32Array.of(1 / Math.sqrt(headDim))),
  ];
  const linear = (x: string, w: string, b: string, out: string) => {
    nodes.push(node('MatMul', [x, n(w)], [`${out}_mm`]), node('Add', [`${out}_mm`, n(b)], [out]));
  };
  const layerNorm = (x: string, gamma: string, beta: string, out: string) => {
    nodes.push(
      node(
        'LayerNormalization',
        [x, n(gamma), n(beta)],
        [out],
        [
          { name: 'axis', type: A.INT, i: -1 },
          { name: 'epsilon', type: A.FLOAT, f: LAYER_NORM_EPSILON },
        ],
      ),
    );
  };
  linear(input, 'in_w', 'in_b', n('proj'));
  nodes.push(node('Add', [n('proj'), n('pe')], [n('z0')]));
  let z = n('z0');
  for (let l = 0; l < layers; l++) {
    const at = (s: string) => n(`l${l}_${s}`);
    for (const name of ['ln1_gamma', 'ln1_beta', 'bq', 'bv', 'bo', 'ln2_gamma', 'ln2_beta', 'b2'])
      initializer.push(floatTensor(at(name), [d], p[`l${l}_${name}`]!));
    for (const name of ['wq', 'wk', 'wv', 'wo']) initializer.push(floatTensor(at(name), [d, d], p[`l${l}_${name}`]!));
    initializer.push(
      floatTensor(at('w1'), [d, ffn], p[`l${l}_w1`]!),
      floatTensor(at('b1'), [ffn], p[`l${l}_b1`]!),
      floatTensor(at('w2'), [ffn, d], p[`l${l}_w2`]!),
    );
    const local = (s: string) => `l${l}_${s}`;
    layerNorm(z, local('ln1_gamma'), local('ln1_beta'), at('a'));
    linear(at('a'), local('wq'), local('bq'), at('q'));
    nodes.push(node('MatMul', [at('a'), n(local('wk'))], [at('k')]));
    linear(at('a'), local('wv'), local('bv'), at('v'));
    for (const h of ['q', 'k', 'v']) nodes.push(node('Reshape', [at(h), n('heads_shape')], [at(`${h}_split`)]));
    // [B, T, heads, dh] -> Q, V: [B, heads, T, dh]; K: [B, heads, dh, T].
    nodes.push(
      node('Transpose', [at('q_split')], [at('qh')], [{ name: 'perm', type: A.INTS, ints: [0, 2, 1, 3] }]),
      node('Transpose', [at('k_split')], [at('kh_t')], [{ name: 'perm', type: A.INTS, ints: [0, 2, 3, 1] }]),
      node('Transpose', [at('v_split')], [at('vh')], [{ name: 'perm', type: A.INTS, ints: [0, 2, 1, 3] }]),
      node('MatMul', [at('qh'), at('kh_t')], [at('scores_raw')]),
      node('Mul', [at('scores_raw'), n('scale')], [at('scores')]),
      node('Softmax', [at('scores')], [at('attn')], [{ name: 'axis', type: A.INT, i: -1 }]),
      node('MatMul', [at('attn'), at('vh')], [at('ctx_h')]),
      node('Transpose', [at('ctx_h')], [at('ctx_t')], [{ name: 'perm', type: A.INTS, ints: [0, 2, 1, 3] }]),
      node('Reshape', [at('ctx_t'), n('merge_shape')], [at('ctx')]),
    );
    linear(at('ctx'), local('wo'), local('bo'), at('attn_out'));
    nodes.push(node('Add', [z, at('attn_out')], [at('res1')]));
    layerNorm(at('res1'), local('ln2_gamma'), local('ln2_beta'), at('f'));
    linear(at('f'), local('w1'), local('b1'), at('inner_pre'));
    nodes.push(node('Relu', [at('inner_pre')], [at('inner')]));
    linear(at('inner'), local('w2'), local('b2'), at('ffn_out'));
    nodes.push(node('Add', [at('res1'), at('ffn_out')], [at('res2')]));
    z = at('res2');
  }
  initializer.push(floatTensor(n('lnf_gamma'), [d], p.lnf_gamma!), floatTensor(n('lnf_beta'), [d], p.lnf_beta!));
  layerNorm(z, 'lnf_gamma', 'lnf_beta', n('zf'));
  nodes.push(
    node(
      'ReduceMean',
      [n('zf')],
      [output],
      [
        { name: 'axes', type: A.INTS, ints: [1] },
        { name: 'keepdims', type: A.INT, i: 0 },
      ],
    ),
  );
  return { nodes, initializer };
}
