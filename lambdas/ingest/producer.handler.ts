// Scaffolding so the CDK app can synthesize while this path is being built; replaced by the real adapter.
export const handler = async (): Promise<never> => {
  throw new Error('lambdas/ingest/producer.handler.ts is not implemented yet');
};
