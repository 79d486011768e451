#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { loadConfig } from '../core/config/index.js';
import { buildSignalForge } from '../lib/signalforge-app.js';

const app = new App();
// CDK context `config` (JSON) lets `cdk deploy -c config='{"envName":"prod"}'` override defaults per environment.
const contextOverrides = app.node.tryGetContext('config');
const config = loadConfig({
  overrides: typeof contextOverrides === 'string' ? JSON.parse(contextOverrides) : contextOverrides,
});
buildSignalForge(app, config, {
  account: process.env.CDK_DEFAULT_ACCOUNT,
  region: process.env.CDK_DEFAULT_REGION ?? config.region,
});
