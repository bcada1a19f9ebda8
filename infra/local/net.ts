export { freePort } from '../../functions/lib/net.ts';

export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`Port ${port} is already in use. Start Wharf on another port with: PORT=${port + 1} npm start`);
    this.name = 'PortInUseError';
  }
}
