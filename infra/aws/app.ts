import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadStageConfig, type StageConfig, StageConfigError } from './config.ts';
import { createWharf } from './wharf.ts';

/** `npx cdk synth|deploy --all -c stage=<name>`: one Wharf stage; see README "Deploy to AWS". */
const app = new App();
let config: StageConfig;
try {
  config = loadStageConfig(app);
} catch (error) {
  if (!(error instanceof StageConfigError)) throw error;
  // The message names the setting and where to set it; a stack trace adds nothing.
  console.error(error.message);
  process.exit(1);
}
createWharf(app, config);
// cdk-nag (AwsSolutions) checks every template at synth; a finding not acknowledged with a reason fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
