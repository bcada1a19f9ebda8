import { parentPort, workerData } from 'node:worker_threads';
import { startLocalStack } from '../infra/local/stack.ts';

/**
 * Hosts the local platform in its own thread, for the deploy section. Two reasons: the handlers read
 * their configuration once per module graph (a cold start), so a second stack in the thread that ran
 * the API section would reach the first stack's stopped DynamoDB Local; and the stack gets an event
 * loop of its own, so the bench's 200 WebSocket clients don't delay the workflow they measure.
 */
export interface StackThreadData {
  dataDir: string;
  /** The local platform's runtime (default processes): the deploy section runs in both. */
  runtime?: 'containers' | 'processes' | undefined;
}

export type StackThreadMessage =
  | { type: 'ready'; url: string; issuer: string; dynamodbEndpoint: string }
  | { type: 'failed'; message: string }
  | { type: 'stopped' };

if (parentPort) {
  const port = parentPort;
  const { dataDir, runtime } = workerData as StackThreadData;
  const post = (message: StackThreadMessage) => port.postMessage(message);
  // This thread's copy of the environment: errors from the handlers and the workflow still show.
  process.env.LOG_LEVEL = 'error';
  try {
    const stack = await startLocalStack({ port: 0, dataDir, inMemory: true, runtime });
    try {
      post({ type: 'ready', url: stack.url, issuer: stack.issuer, dynamodbEndpoint: stack.dynamodbEndpoint });
      await new Promise((resolve) => port.once('message', resolve));
    } finally {
      await stack.stop();
    }
    post({ type: 'stopped' });
  } catch (error) {
    post({
      type: 'failed',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
}
