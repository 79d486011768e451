/** Object keys under an artifact root (a bucket prefix or a local dir), shared by trainer, orchestrator and serving. */
export function modelPrefix(symbol: string, timeframe: string, runId: string): string {
  return `models/${symbol}/${timeframe}/${runId}`;
}
export const modelKey = (symbol: string, timeframe: string, runId: string) =>
  `${modelPrefix(symbol, timeframe, runId)}/model.onnx`;
export const metadataKey = (symbol: string, timeframe: string, runId: string) =>
  `${modelPrefix(symbol, timeframe, runId)}/metadata.json`;
export const runRecordKey = (runId: string) => `runs/${runId}/run.json`;
export const checkpointPrefix = (runId: string) => `runs/${runId}/checkpoints`;
/** `AAPL#1h` is not a safe file name everywhere; checkpoints use `AAPL_1h`. */
export const checkpointKey = (runId: string, configKey: string) =>
  `${checkpointPrefix(runId)}/${configKey.replace('#', '_')}.ckpt`;
