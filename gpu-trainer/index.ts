/** What other parts import: run training in-process or as a process group, and the pieces they inspect. */
export {
  runTraining,
  newRunId,
  FAST_PRESET,
  type TrainingOptions,
  type TrainingOutcome,
  type TrainingStats,
} from './run.js';
export { spawnTrainer, type TrainerProcess } from './launch.js';
export { loadTrainingData, syntheticSeries, type SeriesData, type TrainingData } from './data-source.js';
export { BACKENDS, type BackendName } from './backend.js';
export { createLog, type TrainerLog } from './log.js';
export { PERIODS_PER_YEAR } from '../core/evaluation/index.js';
