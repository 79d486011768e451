export {
  startEventSourceRunner,
  firstFailedOffset,
  type EventSourceRunner,
  type EventSourceRunnerOptions,
  type MskHandler,
} from './runner.js';
export { toMskEvent, toMskRecord, type MskRecord } from './msk-event.js';
export { startLocalSink, type LocalSinkOptions } from './sink-runner.js';
export { ensureIngestTopics, consumerLag, waitForDrain } from './topics.js';
export {
  spawnSinkProcess,
  type SinkProcess,
  type SinkProcessMessage,
  type SinkProcessOptions,
} from './sink-process.js';
