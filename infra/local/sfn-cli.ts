import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SFNClient } from '@aws-sdk/client-sfn';
import {
  readRunningStepFunctions,
  runSfnCommand,
  SFN_USAGE,
  SfnCommandError,
} from './stepfunctions/sfn-command.ts';

/**
 * `npm run sfn -- list | describe <executionName> | history <executionName>`: the deploy runs of the
 * running local stack, read through its Step Functions endpoint.
 */
const args = process.argv.slice(2);
if (args.length === 0 || args[0] === '--help' || args[0] === '-h') {
  console.error(SFN_USAGE);
  process.exit(args.length === 0 ? 2 : 0);
}

// Same rule as the other operator commands: WHARF_DATA_DIR, else <repo>/.wharf.
const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dataDir = process.env.WHARF_DATA_DIR ?? join(repoRoot, '.wharf');

try {
  const { stepFunctionsEndpoint, stateMachineArn } = await readRunningStepFunctions(dataDir);
  const client = new SFNClient({
    endpoint: stepFunctionsEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // A stack that isn't there should say so at once, not after the SDK's retries.
    maxAttempts: 1,
  });
  try {
    process.stdout.write(`${await runSfnCommand(args, { client, stateMachineArn })}\n`);
  } finally {
    client.destroy();
  }
} catch (error) {
  if (error instanceof SfnCommandError) {
    console.error(error.message);
    process.exit(error.exitCode);
  }
  console.error(error);
  process.exit(1);
}
