import type { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression, type ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Construct } from 'constructs';

export interface LambdaScheduleProps {
  description: string;
  /** A `config.schedules` expression: cron(...) or rate(...). */
  expression: string;
  retryAttempts: number;
  /** How long a missed or retried invocation is still worth running. */
  maxEventAge: Duration;
  /** The event the function receives; Scheduler's default when omitted. */
  input?: ScheduleTargetInput;
}

/** An EventBridge Scheduler schedule invoking `fn`: how every scheduled task of the app starts. */
export function scheduleLambda(scope: Construct, id: string, fn: IFunction, props: LambdaScheduleProps): Schedule {
  const { description, expression, input, retryAttempts, maxEventAge } = props;
  return new Schedule(scope, id, {
    description,
    schedule: ScheduleExpression.expression(expression),
    target: new LambdaInvoke(fn, { retryAttempts, maxEventAge, ...(input ? { input } : {}) }),
  });
}
