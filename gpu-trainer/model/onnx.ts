import onnxPackage from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';

// onnx-proto is CommonJS without statically detectable named exports, so Node's ESM loader only offers the default.
const { onnx } = onnxPackage as unknown as { onnx: typeof Onnx };
import { paramLayout, type ModelSpec } from './spec.js';
import { transformerGraph } from './transformer-onnx.js';

/** 17: the first opset with LayerNormalization (the Transformer); LSTM, GRU and the rest are unchanged since 14. */
export const ONNX_OPSET = 17;
export const INPUT_NAME = 'features';
export const OUTPUT_NAME = 'prediction';

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
export const A = onnx.AttributeProto.AttributeType;

export function floatTensor(name: string, dims: number[], values: Float32Array): Onnx.ITensorProto {
  const copy = new Float32Array(values);
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(copy.buffer) };
}

export function int64Tensor(name: string, values: number[]): Onnx.ITensorProto {
  return {
    name,
    dims: [values.length],
    dataType: INT64,
    rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer),
  };
}

export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attribute: Onnx.IAttributeProto[] = [],
): Onnx.INodeProto {
  return { opType, input: inputs, output: outputs, name: `${opType}_${outputs[0]}`, attribute };
}

/** Transposes a [rows, cols] row-major kernel slice into [cols, rows] (ONNX RNN weights are [gates*H, in]). */
function transposeBlock(
  src: Float32Array,
  rows: number,
  cols: number,
  colStart: number,
  colCount: number,
  dst: Float32Array,
  dstRowOffset: number,
): void {
  for (let c = 0; c < colCount; c++) {
    for (let r = 0; r < rows; r++) dst[(dstRowOffset + c) * rows + r] = src[r * cols + colStart + c]!;
  }
}

export interface ExportOptions {
  /** The model is trained on standardised targets; the graph maps back: out * targetStd + targetMean. */
  targetMean: number;
  targetStd: number;
  docString?: string;
}

/** Nodes and initializers of one model's subgraph; names carry a prefix so several models share one graph. */
export interface GraphPart {
  nodes: Onnx.INodeProto[];
  initializer: Onnx.ITensorProto[];
}

/**
 * One model's math from `input` ([batch, window, features], z-scored) to `output` ([batch, 1], a return),
 * every internal name prefixed with `prefix`.
 */
export function modelGraph(
  spec: ModelSpec,
  flat: Float32Array,
  opts: Pick<ExportOptions, 'targetMean' | 'targetStd'>,
  prefix: string,
  input: string,
  output: string,
): GraphPart {
  const { windowSize: T, features: F, hidden: H } = spec;
  const L = spec.layers ?? 1;
  const n = (name: string) => `${prefix}${name}`;
  const p = Object.fromEntries(paramLayout(spec).map((l) => [l.name, flat.subarray(l.offset, l.offset + l.size)]));
  const initializer: Onnx.ITensorProto[] = [];
  const nodes: Onnx.INodeProto[] = [];

  if (spec.kind === 'transformer') {
    const part = transformerGraph(spec, p, n, input, n('h_last'));
    nodes.push(...part.nodes);
    initializer.push(...part.initializer);
  } else if (spec.kind === 'dense') {
    initializer.push(int64Tensor(n('flat_shape'), [-1, T * F]));
    nodes.push(node('Reshape', [input, n('flat_shape')], [n('flat')]));
    let h = n('flat');
    for (let l = 1; l <= L; l++) {
      const out = l === L ? n('h_last') : n(`h${l}`);
      initializer.push(
        floatTensor(n(`w${l}`), [l === 1 ? T * F : H, H], p[`w${l}`]!),
        floatTensor(n(`b${l}`), [H], p[`b${l}`]!),
      );
      nodes.push(
        node('MatMul', [h, n(`w${l}`)], [n(`h${l}_mm`)]),
        node('Add', [n(`h${l}_mm`), n(`b${l}`)], [n(`h${l}_pre`)]),
        node('Relu', [n(`h${l}_pre`)], [out]),
      );
      h = out;
    }
  } else {
    const gates = spec.kind === 'lstm' ? 4 : 3;
    // Our column blocks -> ONNX row blocks. LSTM: ours i,f,g,o; ONNX i,o,f,c. GRU: both z,r,h.
    const order = spec.kind === 'lstm' ? [0, 3, 1, 2] : [0, 1, 2];
    const attrs: Onnx.IAttributeProto[] = [
      { name: 'hidden_size', type: A.INT, i: H },
      { name: 'direction', type: A.STRING, s: new TextEncoder().encode('forward') },
    ];
    if (spec.kind === 'gru') attrs.push({ name: 'linear_before_reset', type: A.INT, i: 0 });
    nodes.push(node('Transpose', [input], [n('x_tnf')], [{ name: 'perm', type: A.INTS, ints: [1, 0, 2] }]));
    // One node per layer; layer l reads layer l-1's Y [T, 1, batch, H] with the direction axis squeezed out.
    let seq = n('x_tnf');
    for (let l = 1; l <= L; l++) {
      const at = l === 1 ? '' : String(l);
      const inSize = l === 1 ? F : H;
      const W = new Float32Array(gates * H * inSize);
      const R = new Float32Array(gates * H * H);
      const B = new Float32Array(2 * gates * H);
      order.forEach((src, dst) => {
        transposeBlock(p[`w${at}`]!, inSize, gates * H, src * H, H, W, dst * H);
        transposeBlock(p[`r${at}`]!, H, gates * H, src * H, H, R, dst * H);
        B.set(p[`b${at}`]!.subarray(src * H, (src + 1) * H), dst * H); // Wb; Rb stays zero
      });
      initializer.push(
        floatTensor(n(`W${at}`), [1, gates * H, inSize], W),
        floatTensor(n(`R${at}`), [1, gates * H, H], R),
        floatTensor(n(`B${at}`), [1, 2 * gates * H], B),
      );
      nodes.push(
        node(
          spec.kind === 'lstm' ? 'LSTM' : 'GRU',
          [seq, n(`W${at}`), n(`R${at}`), n(`B${at}`)],
          [n(`rnn_y${at}`), n(`rnn_h${at}`)],
          attrs,
        ),
      );
      if (l < L) {
        nodes.push(node('Squeeze', [n(`rnn_y${at}`), n('dir_axis')], [n(`seq${l}`)]));
        seq = n(`seq${l}`);
      }
    }
    // After the layers' weights, so a one-layer graph is byte for byte what it was before stacking existed.
    initializer.push(int64Tensor(n('h_shape'), [-1, H]));
    if (L > 1) initializer.push(int64Tensor(n('dir_axis'), [1]));
    nodes.push(node('Reshape', [n(`rnn_h${L === 1 ? '' : String(L)}`), n('h_shape')], [n('h_last')]));
  }
  // The output layer absorbs the de-standardisation, out = (h.w + b) * std + mean = h.(w * std) + (b * std + mean),
  // folded in float64: two graph nodes fewer on every prediction (each costs onnxruntime ~1 µs).
  const wOut = Float32Array.from(p.wOut!, (w) => w * opts.targetStd);
  const bOut = Float32Array.of(p.bOut![0]! * opts.targetStd + opts.targetMean);
  initializer.push(floatTensor(n('w_out'), [H, 1], wOut), floatTensor(n('b_out'), [1], bOut));
  nodes.push(
    node('MatMul', [n('h_last'), n('w_out')], [n('out_mm')]),
    node('Add', [n('out_mm'), n('b_out')], [output]),
  );
  return { nodes, initializer };
}

/** Wraps a graph into a serialised ModelProto with the service's input and output contract. */
export function encodeModel(
  part: GraphPart,
  x: { name: string; window: number; features: number; docString: string },
): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'signalforge-gpu-trainer',
    producerVersion: '1',
    docString: x.docString,
    graph: {
      name: x.name,
      node: part.nodes,
      initializer: part.initializer,
      input: [
        {
          name: INPUT_NAME,
          type: {
            tensorType: {
              elemType: FLOAT,
              shape: { dim: [{ dimParam: 'batch' }, { dimValue: x.window }, { dimValue: x.features }] },
            },
          },
        },
      ],
      output: [
        {
          name: OUTPUT_NAME,
          type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: 1 }] } } },
        },
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Builds the ONNX model in TypeScript. Input `features` [batch, window, features] (already z-scored by
 * core/features' buildModelInput), output `prediction` [batch, 1] = predicted next-bar return.
 */
export function exportOnnx(spec: ModelSpec, flat: Float32Array, opts: ExportOptions): Uint8Array {
  const { windowSize: T, features: F, hidden: H } = spec;
  const part = modelGraph(spec, flat, opts, '', INPUT_NAME, OUTPUT_NAME);
  return encodeModel(part, {
    name: `signalforge_${spec.kind}`,
    window: T,
    features: F,
    docString: opts.docString ?? `${spec.kind} window=${T} features=${F} hidden=${H}`,
  });
}

/** The float initializers of an exported model, by name; tests use it to compare weights. */
export function readOnnxInitializers(bytes: Uint8Array): Record<string, Float32Array> {
  const model = onnx.ModelProto.decode(bytes);
  const out: Record<string, Float32Array> = {};
  for (const t of model.graph?.initializer ?? []) {
    if (t.dataType !== FLOAT || !t.rawData) continue;
    const raw = t.rawData;
    out[t.name!] = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  }
  return out;
}
