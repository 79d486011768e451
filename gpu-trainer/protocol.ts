import type { GradResult, ModelState, ReplicaData, ReplicaModel } from './replica.js';

/**
 * Every request may carry `apply`: the averaged gradient of the previous step, applied before the
 * request itself. The coordinator piggybacks it on the next step's 'grad' instead of sending its own
 * 'apply' message, which saves one IPC message (and one wake-up of the worker) per worker per step.
 */
export type WorkerRequest = (
  | { id: number; op: 'init'; backend: string }
  | { id: number; op: 'setData'; data: ReplicaData }
  | { id: number; op: 'setModel'; model: ReplicaModel }
  | { id: number; op: 'grad'; indices: Uint32Array }
  | { id: number; op: 'apply'; grad: Float32Array }
  | { id: number; op: 'state' }
  | { id: number; op: 'predict'; indices: Uint32Array }
) & { apply?: Float32Array };

export type WorkerReply =
  | { id: number; op: 'ok' }
  | { id: number; op: 'grad'; result: GradResult }
  | { id: number; op: 'state'; state: ModelState }
  | { id: number; op: 'predict'; values: Float32Array }
  | { id: number; op: 'error'; message: string };
