import { z } from 'zod';

/** The model kinds the trainer builds; `ensemble` is not a kind but the average of a search's top members. */
export const MODEL_KINDS = ['lstm', 'gru', 'dense', 'transformer'] as const;
export type ModelKindName = (typeof MODEL_KINDS)[number];

const choices = z.array(z.number().int().min(1)).min(1);

/**
 * One kind's search space. Learning rate is sampled log-uniformly in [min, max]; the others are drawn from their
 * lists. `layers` is the Transformer's encoder blocks, the recurrent kinds' stacked cells and the dense model's
 * hidden layers. `dropout` is the input-dropout rate of training (gpu-trainer/model/dropout.ts): absent means [0].
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
    dropout: z.array(z.number().min(0).lt(1)).min(1).default([0]),
  })
  .strict();
export type SearchSpace = z.infer<typeof searchSpaceSchema>;

/**
 * The kinds' spaces from one shared space plus each kind's departures from it, so a config states each field once
 * (the kinds listed in `perKind` get a space; `{}` takes the shared one as is).
 */
export function searchSpaces<K extends ModelKindName>(
  shared: SearchSpace,
  perKind: Record<K, Partial<SearchSpace>>,
): Record<K, SearchSpace> {
  return Object.fromEntries(
    Object.entries<Partial<SearchSpace>>(perKind).map(([kind, own]) => [kind, { ...shared, ...own }]),
  ) as Record<K, SearchSpace>;
}

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
