import type { Normalisation } from '../../core/features/index.js';
import {
  encodeModel,
  floatTensor,
  int64Tensor,
  INPUT_NAME,
  modelGraph,
  node,
  OUTPUT_NAME,
  type GraphPart,
} from './onnx.js';
import type { ModelSpec } from './spec.js';

export interface EnsembleMember {
  spec: ModelSpec;
  params: Float32Array;
  /** The member's target standardisation (its graph maps back to a return). */
  targetMean: number;
  targetStd: number;
  /** The feature normalisation the member was trained with. */
  normalisation: Normalisation;
}

/**
 * The members of an ensemble averaged in ONE ONNX graph. The graph's input is z-scored with the ensemble's
 * `normalisation` over its window `windowSize` (the longest member window); each member takes the last
 * `spec.windowSize` bars (Slice) and re-normalises them to its own statistics with one per-feature affine map,
 * x_m = (x * std_e + mean_e - mean_m) / std_m, folded into a Mul and an Add (left out when the member's
 * normalisation is the ensemble's). The output is the mean of the members' predicted returns.
 */
export function exportEnsembleOnnx(
  members: readonly EnsembleMember[],
  ensemble: { windowSize: number; normalisation: Normalisation; docString?: string },
): Uint8Array {
  if (members.length === 0) throw new Error('an ensemble needs at least one member');
  const T = ensemble.windowSize;
  const F = members[0]!.spec.features;
  const part: GraphPart = { nodes: [], initializer: [] };
  const outputs: string[] = [];
  members.forEach((m, i) => {
    if (m.spec.features !== F) throw new Error(`member ${i} has ${m.spec.features} features, not ${F}`);
    if (m.spec.windowSize > T)
      throw new Error(`member ${i} window ${m.spec.windowSize} exceeds the ensemble window ${T}`);
    const prefix = `m${i}_`;
    let input = INPUT_NAME;
    if (m.spec.windowSize < T) {
      part.initializer.push(
        int64Tensor(`${prefix}slice_starts`, [T - m.spec.windowSize]),
        int64Tensor(`${prefix}slice_ends`, [T]),
        int64Tensor(`${prefix}slice_axes`, [1]),
      );
      part.nodes.push(
        node(
          'Slice',
          [input, `${prefix}slice_starts`, `${prefix}slice_ends`, `${prefix}slice_axes`],
          [`${prefix}window`],
        ),
      );
      input = `${prefix}window`;
    }
    const scale = new Float32Array(F);
    const shift = new Float32Array(F);
    let identity = true;
    for (let f = 0; f < F; f++) {
      const [se, me, sm, mm] = [
        ensemble.normalisation.std[f]!,
        ensemble.normalisation.mean[f]!,
        m.normalisation.std[f]!,
        m.normalisation.mean[f]!,
      ];
      scale[f] = se / sm;
      shift[f] = (me - mm) / sm;
      if (se !== sm || me !== mm) identity = false;
    }
    if (!identity) {
      part.initializer.push(
        floatTensor(`${prefix}norm_scale`, [F], scale),
        floatTensor(`${prefix}norm_shift`, [F], shift),
      );
      part.nodes.push(
        node('Mul', [input, `${prefix}norm_scale`], [`${prefix}scaled`]),
        node('Add', [`${prefix}scaled`, `${prefix}norm_shift`], [`${prefix}x`]),
      );
      input = `${prefix}x`;
    }
    const member = modelGraph(m.spec, m.params, m, prefix, input, `${prefix}out`);
    part.nodes.push(...member.nodes);
    part.initializer.push(...member.initializer);
    outputs.push(`${prefix}out`);
  });
  part.initializer.push(floatTensor('ensemble_weight', [], Float32Array.of(1 / members.length)));
  part.nodes.push(
    node('Sum', outputs, ['ensemble_sum']),
    node('Mul', ['ensemble_sum', 'ensemble_weight'], [OUTPUT_NAME]),
  );
  const kinds = members.map((m) => m.spec.kind).join('+');
  return encodeModel(part, {
    name: 'signalforge_ensemble',
    window: T,
    features: F,
    docString: ensemble.docString ?? `ensemble of ${members.length}: ${kinds} window=${T} features=${F}`,
  });
}
