import { useLive } from './live-context.tsx';
import './live-status.css';

const TEXT = {
  idle: 'Live updates off',
  connecting: 'Connecting…',
  open: 'Live',
  reconnecting: 'Reconnecting…',
} as const;

/** The state of the live channel, in words (the dot only repeats it). */
export function LiveStatus() {
  const { state } = useLive();
  return (
    <span className={`live-status live-${state}`} title="Live updates over WebSocket">
      <span className="live-dot" aria-hidden="true" />
      {TEXT[state]}
    </span>
  );
}
