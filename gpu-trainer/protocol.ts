import type { GradResult, ModelState, ReplicaData, ReplicaModel } from './replica.js';

export type WorkerRequest =
  | { id: number; op: 'init'; backend: string }
  | { id: number; op: 'setData'; data: ReplicaData }
  | { id: number; op: 'setModel'; model: ReplicaModel }
  | { id: number; op: 'grad'; indices: Uint32Array }
  | { id: number; op: 'apply'; grad: Float32Array }
  | { id: number; op: 'state' }
  | { id: number; op: 'predict'; indices: Uint32Array };

export type WorkerReply =
  | { id: number; op: 'ok' }
  | { id: number; op: 'grad'; result: GradResult }
  | { id: number; op: 'state'; state: ModelState }
  | { id: number; op: 'predict'; values: Float32Array }
  | { id: number; op: 'error'; message: string };
