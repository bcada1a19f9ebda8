export { freePort } from '../../functions/lib/net.ts';

export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`Port ${port} is already in use. Start Wharf on another port with: PORT=${port + 1} npm start`);
    this.name = 'PortInUseError';
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * The address the local gateway listens on: loopback, unless the operator opens it with WHARF_HOST
 * (e.g. 0.0.0.0). Opening it is said out loud, because the dev accounts sign in with one click.
 */
export function listenHost(
  env: Record<string, string | undefined>,
  warn: (message: string) => void = console.warn,
): string {
  const host = env.WHARF_HOST?.trim();
  if (!host) return '127.0.0.1';
  if (!LOOPBACK.has(host)) {
    warn(
      `Warning: WHARF_HOST=${host}: Wharf accepts connections from other machines that can reach this address. ` +
        'The dev accounts sign in without a password; open it only on a network you trust.',
    );
  }
  return host;
}
