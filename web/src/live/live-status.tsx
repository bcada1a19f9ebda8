import { useLive } from './live-context.tsx';
import './live-status.css';

/**
 * Whether this page receives updates as they happen — not whether the app is up, so it reads as a
 * note about the page (neutral, small, in words), never as a green health light.
 */
const TEXT = {
  idle: 'Live updates: off',
  connecting: 'Live updates: connecting…',
  open: 'Live updates: connected',
  reconnecting: 'Live updates: reconnecting…',
} as const;

export function LiveStatus() {
  const { state } = useLive();
  return (
    <span className={`live-status live-${state}`} title="This page updates by itself while connected">
      {TEXT[state]}
    </span>
  );
}
