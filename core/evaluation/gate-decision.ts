import { z } from 'zod';

/**
 * The verdict of the promotion gate on one registered candidate. It is the contract between the gate
 * (retrain task), the approval step, the registry (stored on the version), the notification, the
 * registry CLI and the run report, so every number a reviewer sees comes from this one record.
 */
export const gateDecisionSchema = z.object({
  key: z.string(),
  version: z.number().int().min(1),
  verdict: z.enum(['promotable', 'rejected']),
  /** Every check that failed, in plain words with its numbers; one line saying all passed otherwise. */
  reasons: z.array(z.string()).min(1),
  /** Diebold-Mariano (Newey-West variance, HLN correction), model vs naive, one-sided, pooled out-of-sample. */
  dm: z
    .object({
      statistic: z.number(),
      pValue: z.number().min(0).max(1),
      /** Holm-adjusted across the run's configs. */
      adjustedPValue: z.number().min(0).max(1),
      samples: z.number().int(),
    })
    .nullable(),
  /**
   * Annualised Sharpe of the sign strategy net of costs, pooled out-of-sample, and the naive strategy's on the same
   * samples.
   */
  netSharpe: z.number(),
  naiveNetSharpe: z.number(),
  /** Selection-bias correction over the config's search trials. */
  deflatedSharpe: z
    .object({
      probability: z.number().min(0).max(1),
      trials: z.number().int().min(1),
      sharpeVariance: z.number().min(0),
    })
    .nullable(),
  /**
   * The production model re-scored on the candidate's latest out-of-sample fold; null when there is no production
   * version.
   */
  champion: z
    .object({
      version: z.number().int(),
      loss: z.number(),
      candidateLoss: z.number(),
      improvement: z.number(),
      window: z.object({ from: z.string(), to: z.string(), samples: z.number().int() }),
      /** Annualised net Sharpe of the champion's and the candidate's sign strategies on the same window, same costs. */
      netSharpe: z.number().optional(),
      candidateNetSharpe: z.number().optional(),
    })
    .nullable(),
  folds: z.number().int().min(1),
});
export type GateDecision = z.infer<typeof gateDecisionSchema>;

/** A human decision on a gated candidate when `promotion.approval` is `manual`. */
export const approvalSchema = z.object({
  state: z.enum(['pending', 'approved', 'rejected', 'timed-out']),
  requestedAt: z.string(),
  decidedAt: z.string().optional(),
  who: z.string().optional(),
  why: z.string().optional(),
});
export type Approval = z.infer<typeof approvalSchema>;
