import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import type { LogLine, RunStatus } from '../../shared/deploy.ts';
import { TERMINAL_STATUSES } from '../../shared/deploy.ts';
import { devLogin } from './dev-login.ts';
import { readRunningStack } from './stack-file.ts';

/**
 * `npm run logs -- <runId> [--as alice]`: tails a run from the terminal over the same WebSocket the
 * web app uses: stored lines first, then live ones, in sequence order with none twice; exits when
 * the run ends (with 1 if it did not deploy).
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { as: { type: 'string', default: 'alice' } },
});
const runId = positionals[0];
if (!runId) {
  console.error('Usage: npm run logs -- <runId> [--as <dev account>]');
  process.exit(2);
}

const stack = await readRunningStack().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
const { accessToken } = await devLogin(stack.issuer, values.as ?? 'alice');
const wsUrl = `${stack.url.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(accessToken)}`;

let next = 1;
const pending = new Map<number, LogLine>();
const print = (line: LogLine) => {
  const prefix = line.stream === 'workflow' ? '\x1b[36m│\x1b[0m ' : '  ';
  process.stdout.write(`${prefix}${line.text}\n`);
};

const socket = new WebSocket(wsUrl);
socket.on('open', () => socket.send(JSON.stringify({ action: 'subscribe', runId, after: 0 })));
socket.on('unexpected-response', (_req, res) => {
  console.error(`The WebSocket was refused (${res.statusCode}).`);
  process.exit(1);
});
socket.on('message', (data) => {
  const message = JSON.parse(String(data)) as
    | { type: 'log'; lines: LogLine[] }
    | { type: 'status'; status: RunStatus; failureReason?: string }
    | { type: 'error'; message: string };
  if (message.type === 'error') {
    console.error(message.message);
    process.exit(1);
  }
  if (message.type === 'log') {
    for (const line of message.lines) if (line.seq >= next) pending.set(line.seq, line);
    while (pending.has(next)) {
      print(pending.get(next) as LogLine);
      pending.delete(next);
      next += 1;
    }
  }
  if (message.type === 'status' && TERMINAL_STATUSES.has(message.status)) {
    // Lines written just before the final status may still be in flight: give them a moment.
    setTimeout(() => {
      process.stdout.write(
        `\n${message.status}${message.failureReason ? `: ${message.failureReason}` : ''}\n`,
      );
      socket.close();
      process.exit(message.status === 'deployed' ? 0 : 1);
    }, 300);
  }
});
socket.on('close', () => process.exit(0));
socket.on('error', (error) => {
  console.error(`WebSocket error: ${error.message}`);
  process.exit(1);
});
