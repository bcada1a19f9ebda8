import { devAccounts } from './dev-accounts.ts';
import { devLogin } from './dev-login.ts';
import { readRunningStack } from './stack-file.ts';

/** `npm run --silent token -- alice`: prints an access token for a dev account from the local issuer. */
const username = process.argv[2];
if (!username || username.startsWith('-')) {
  console.error(
    `Usage: npm run --silent token -- <account>   (accounts: ${devAccounts.map((a) => a.username).join(', ')})`,
  );
  process.exit(2);
}
try {
  const stack = await readRunningStack();
  const { accessToken } = await devLogin(stack.issuer, username);
  process.stdout.write(`${accessToken}\n`);
} catch (error) {
  const message = (error as Error).message;
  console.error(
    message.includes('fetch failed') ? 'Wharf is not answering: is `npm start` still running?' : message,
  );
  process.exit(1);
}
