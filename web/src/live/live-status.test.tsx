import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { type Live, StaticLiveProvider } from './live-context.tsx';
import { LiveStatus } from './live-status.tsx';

const showIn = (state: Live['state']) =>
  render(
    <StaticLiveProvider
      live={{ state, watchWorkspace: () => () => undefined, subscribeRun: () => () => undefined }}
    >
      <LiveStatus />
    </StaticLiveProvider>,
  );

describe('LiveStatus', () => {
  it.each([
    ['open', 'Live updates: connected'],
    ['reconnecting', 'Live updates: reconnecting…'],
    ['connecting', 'Live updates: connecting…'],
    ['idle', 'Live updates: off'],
  ] as const)('%s reads "%s", as words about the page', (state, text) => {
    const { container } = showIn(state);
    expect(container).toHaveTextContent(text);
    expect(container.textContent).toBe(text);
  });

  it('does not look like app health: no "● Live", no coloured dot', () => {
    const { container } = showIn('open');
    expect(screen.queryByText(/^Live$/)).not.toBeInTheDocument();
    expect(container.textContent).not.toMatch(/●/);
    expect(container.querySelector('.live-dot')).toBeNull();
  });
});
