import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { tracer } from './tracer.js';

export interface ObservedOptions<E> {
  logger: Logger;
  /**
   * Correlation ids found in the event (the retrain run id, the API request id), added to every log line of the
   * invocation.
   */
  correlation?: (event: E) => Record<string, string | undefined>;
  /** @default true; false on the inference hot path, whose only trace segments are Lambda's own. */
  subsegment?: boolean;
}

/**
 * A Lambda handler with the one observability style: the Lambda context (request id, function, cold start) and
 * the event's correlation ids on every log line of the invocation, and an X-Ray subsegment for the handler with
 * cold-start and service annotations. Nothing per record or per request beyond that, so hot paths stay lean.
 */
export function observed<E, R>(
  options: ObservedOptions<E>,
  handler: (event: E, context?: Context) => Promise<R>,
): (event: E, context?: Context) => Promise<R> {
  const { logger } = options;
  return async (event, context) => {
    logger.resetKeys();
    if (context) logger.addContext(context);
    const ids = Object.fromEntries(
      Object.entries(options.correlation?.(event) ?? {}).filter(([, v]) => v !== undefined),
    ) as Record<string, string>;
    if (Object.keys(ids).length) logger.appendKeys(ids);
    const t = tracer();
    const segment = t.getSegment();
    const subsegment =
      options.subsegment === false ? undefined : segment?.addNewSubsegment(`## ${process.env._HANDLER ?? 'handler'}`);
    if (subsegment) t.setSegment(subsegment);
    if (subsegment) {
      t.annotateColdStart();
      t.addServiceNameAnnotation();
    }
    try {
      return await handler(event, context);
    } catch (err) {
      t.addErrorAsMetadata(err as Error);
      logger.error('invocation failed', err as Error);
      throw err;
    } finally {
      subsegment?.close();
      if (segment) t.setSegment(segment);
    }
  };
}
