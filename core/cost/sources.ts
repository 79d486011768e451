/** Where a figure comes from, shown beside it wherever it appears. */
export const COST_SOURCES = {
  ec2: 'EC2 spot price history (DescribeSpotPriceHistory for the type and AZ, integrated over the instance lifetime)',
  sagemaker: 'SageMaker billable seconds x configured spot price',
  local: 'estimate (local seconds × configured price)',
} as const;
export type CostSource = (typeof COST_SOURCES)[keyof typeof COST_SOURCES];
