import type { StateMachine } from 'aws-local-stepfunctions';

/** The executor's event log entry (the package does not export the type). */
type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/**
 * One state-level event of a local execution, as aws-local-stepfunctions reports it: when a state was
 * entered or left, and when it failed, was retried or had its error caught. `mapIndex` tells Map
 * iterations (shards) apart, since their states interleave.
 */
export type RetrainStateEvent =
  | { kind: 'entered' | 'exited'; state: string; type: string; at: Date; mapIndex?: number }
  | { kind: 'failed'; state: string; type: string; at: Date; mapIndex?: number; error: string; cause?: string }
  | {
      kind: 'retried';
      state: string;
      type: string;
      at: Date;
      mapIndex?: number /** 1 for the first retry. */;
      attempt: number;
    }
  | {
      kind: 'caught';
      state: string;
      type: string;
      at: Date;
      mapIndex?: number /** The state the Catch sends the execution to. */;
      next: string;
    };

function causeText(cause: unknown): string | undefined {
  if (cause === undefined || cause === null) return undefined;
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return JSON.stringify(cause);
}

/** The state events of an executor event log entry; undefined for execution, Map-iteration and branch events. */
export function toStateEvent(event: EventLog): RetrainStateEvent | undefined {
  switch (event.type) {
    case 'StateEntered':
    case 'StateExited':
    case 'StateFailed':
    case 'StateRetried':
    case 'StateCaught': {
      const base = {
        state: event.state.name,
        type: event.state.type,
        at: new Date(event.timestamp),
        ...(event.index !== undefined ? { mapIndex: event.index } : {}),
      };
      if (event.type === 'StateEntered') return { kind: 'entered', ...base };
      if (event.type === 'StateExited') return { kind: 'exited', ...base };
      if (event.type === 'StateRetried') return { kind: 'retried', ...base, attempt: event.retry.attempt };
      if (event.type === 'StateCaught') return { kind: 'caught', ...base, next: event.catch.catcher.Next };
      const cause = causeText(event.Cause);
      return { kind: 'failed', ...base, error: event.Error, ...(cause !== undefined ? { cause } : {}) };
    }
    default:
      return undefined;
  }
}
