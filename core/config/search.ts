import { z } from 'zod';

/** The model kinds the trainer builds; `ensemble` is not a kind but the average of a search's top members. */
export const MODEL_KINDS = ['lstm', 'gru', 'dense', 'transformer'] as const;
export type ModelKindName = (typeof MODEL_KINDS)[number];

const choices = z.array(z.number().int().min(1)).min(1);

/**
 * One kind's search space. Learning rate is sampled log-uniformly in [min, max]; the others are drawn from their
 * lists. `layers` is the Transformer's encoder blocks; the recurrent kinds and the dense model have one layer
 * (their explicit BPTT and ONNX export are single-layer), so their list must be [1]. No dropout: none of the
 * kinds has a dropout layer yet.
 */
export const searchSpaceSchema = z
  .object({
    learningRate: z
      .object({ min: z.number().positive(), max: z.number().positive() })
      .refine((r) => r.min <= r.max, 'min must be <= max'),
    /** Hidden units; the Transformer's model width. */
    hiddenUnits: choices,
    layers: choices,
    /** Attention heads (Transformer only); each must divide every width in hiddenUnits. */
    heads: choices.optional(),
    windowSize: z.array(z.number().int().min(2)).min(1),
    batchSize: choices,
  })
  .strict();
export type SearchSpace = z.infer<typeof searchSpaceSchema>;

/**
 * The per-config search: `trials` configurations sampled with a seeded generator (kinds in rotation, so each
 * listed kind is tried), then synchronous successive halving: every trial is scored walk-forward with
 * `minEpochs` epochs, the best 1/`reductionFactor` by inner-validation MSE go on with `reductionFactor` times the
 * epochs, up to training.hyperparameters.epochs. `budgetSteps` caps a config's optimizer steps (0: no cap);
 * counted in steps, not seconds, so the same seed, data and config give the same trials on any machine.
 * `ensembleSize` >= 2 adds the average of the top members as one more candidate.
 */
export const searchSchema = z
  .object({
    trials: z.number().int().min(1),
    seed: z.number().int(),
    reductionFactor: z.number().int().min(2),
    minEpochs: z.number().int().min(1),
    budgetSteps: z.number().int().min(0),
    ensembleSize: z.number().int().min(0),
    spaces: z.partialRecord(z.enum(MODEL_KINDS), searchSpaceSchema),
  })
  .superRefine((s, ctx) => {
    for (const [kind, space] of Object.entries(s.spaces)) {
      if (!space) continue;
      if (kind !== 'transformer' && space.layers.some((l) => l !== 1))
        ctx.addIssue({
          code: 'custom',
          path: ['spaces', kind, 'layers'],
          message: `${kind} has one layer; layers must be [1]`,
        });
      if (kind === 'transformer') {
        const heads = space.heads ?? [1];
        for (const h of heads)
          for (const d of space.hiddenUnits)
            if (d % h !== 0)
              ctx.addIssue({
                code: 'custom',
                path: ['spaces', kind, 'heads'],
                message: `${h} heads do not divide width ${d}`,
              });
      }
    }
  });
export type SearchSettings = z.infer<typeof searchSchema>;
