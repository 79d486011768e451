import type { StateMachinePath, StateVisit } from '../report/index.js';
import type { RetrainStateEvent } from '../stepfunctions/index.js';

/**
 * States the trainer poll loop repeats every second or so; a shard's consecutive clean polls fold into one visit per
 * state.
 */
export const POLL_LOOP: ReadonlySet<string> = new Set(['WaitForTrainer', 'CheckTrainer', 'TrainerStatus']);

interface Visit {
  name: string;
  type: string;
  mapIndex?: number;
  status: StateVisit['status'];
  enteredAt: string;
  exitedAt?: string;
  /** Polls folded into this visit; 1 for an ordinary visit. */
  repeats: number;
  note?: string;
}

/** The attempt of a state that is running now (in one Map iteration, or the main flow). */
interface Attempt {
  visit: Visit;
  startedAt: string;
  /** The folded visit's exit before this attempt started (restored when the attempt is split off). */
  previousExit?: string;
  error?: string;
  failedAt?: string;
}

const iso = (d: Date) => d.toISOString();
const slotOf = (e: { state: string; mapIndex?: number }) => `${e.mapIndex ?? '-'}|${e.state}`;
const shardOf = (slot: string) => slot.slice(0, slot.indexOf('|'));

/**
 * Builds the report's state path from the executor's own state events: one visit per time a state
 * ran, with its real entry and exit times; an attempt that failed and was retried or caught is a
 * visit of its own (status `retried` / `caught`, with the error), and Map iterations name their shard.
 * Only the trainer poll loop is folded: a shard's uninterrupted run of successful polls shows as one
 * visit per poll state with a count, since a long training run polls hundreds of times.
 */
export class StatePathBuilder {
  private readonly visits: Visit[] = [];
  private readonly running = new Map<string, Attempt>();
  /** Per shard and poll state: the visit the next clean poll folds into. */
  private readonly pollBlocks = new Map<string, Visit>();

  constructor(private readonly fold: ReadonlySet<string> = POLL_LOOP) {}

  add(event: RetrainStateEvent): void {
    const slot = slotOf(event);
    const at = iso(event.at);
    if (event.kind === 'entered') {
      this.enter(event, slot, at);
      return;
    }
    const attempt = this.running.get(slot);
    if (!attempt) return;
    switch (event.kind) {
      case 'exited':
        this.running.delete(slot);
        attempt.visit.status = 'succeeded';
        attempt.visit.exitedAt = at;
        return;
      case 'failed':
        attempt.error = event.cause ? `${event.error}: ${event.cause}` : event.error;
        attempt.failedAt = at;
        return;
      case 'retried':
        this.end(slot, attempt, 'retried', `${attempt.error ?? 'failed'} → retry ${event.attempt}`, at);
        // The executor runs the state again at once, without another StateEntered.
        this.enter(event, slot, at);
        return;
      case 'caught':
        this.end(slot, attempt, 'caught', `${attempt.error ?? 'failed'} → caught, next ${event.next}`, at);
        return;
    }
  }

  /**
   * The path so far. States still running are `running` while the execution runs, `failed` once it has ended without
   * them.
   */
  path(status: StateMachinePath['status'], executionName: string, endedAt = new Date()): StateMachinePath {
    if (status !== 'RUNNING') {
      const why =
        status === 'ABORTED'
          ? 'execution aborted while it ran'
          : status === 'TIMED_OUT'
            ? 'execution timed out while it ran'
            : 'did not finish';
      for (const [slot, attempt] of [...this.running])
        this.end(slot, attempt, 'failed', attempt.error ?? why, iso(endedAt));
    }
    const visits: StateVisit[] = [...this.visits]
      .sort((a, b) => a.enteredAt.localeCompare(b.enteredAt))
      .map((v) => {
        const detail = [
          v.mapIndex !== undefined ? `shard ${v.mapIndex}` : undefined,
          v.repeats > 1 ? `${v.repeats} polls` : undefined,
          v.note,
        ]
          .filter(Boolean)
          .join(' · ');
        return {
          name: v.name,
          type: v.type,
          status: v.status,
          enteredAt: v.enteredAt,
          ...(v.exitedAt ? { exitedAt: v.exitedAt } : {}),
          ...(detail ? { detail } : {}),
        };
      });
    return { executionName, status, visits };
  }

  private enter(event: RetrainStateEvent, slot: string, at: string): void {
    if (!this.fold.has(event.state)) {
      // Any other state of this shard ends its poll loop.
      const shard = shardOf(slot);
      for (const key of [...this.pollBlocks.keys()]) if (shardOf(key) === shard) this.pollBlocks.delete(key);
    } else {
      const block = this.pollBlocks.get(slot);
      if (block?.status === 'succeeded') {
        this.running.set(slot, { visit: block, startedAt: at, previousExit: block.exitedAt });
        block.repeats += 1;
        block.status = 'running';
        block.exitedAt = undefined;
        return;
      }
    }
    const visit: Visit = {
      name: event.state,
      type: event.type,
      status: 'running',
      enteredAt: at,
      repeats: 1,
      ...(event.mapIndex !== undefined ? { mapIndex: event.mapIndex } : {}),
    };
    this.visits.push(visit);
    this.running.set(slot, { visit, startedAt: at });
    if (this.fold.has(event.state)) this.pollBlocks.set(slot, visit);
  }

  /**
   * Ends a running attempt that did not succeed; one folded into a poll block is split off so the clean polls stay
   * counted.
   */
  private end(slot: string, attempt: Attempt, status: 'retried' | 'caught' | 'failed', note: string, at: string): void {
    this.running.delete(slot);
    this.pollBlocks.delete(slot);
    let visit = attempt.visit;
    if (visit.repeats > 1) {
      visit.repeats -= 1;
      visit.status = 'succeeded';
      visit.exitedAt = attempt.previousExit;
      visit = {
        name: visit.name,
        type: visit.type,
        status,
        enteredAt: attempt.startedAt,
        repeats: 1,
        ...(visit.mapIndex !== undefined ? { mapIndex: visit.mapIndex } : {}),
      };
      this.visits.push(visit);
    }
    visit.status = status;
    visit.exitedAt = attempt.failedAt ?? at;
    visit.note = note;
  }
}
