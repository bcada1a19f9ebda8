import type { LogLine } from '@shared/deploy.ts';
import { fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { LogViewer } from './log-viewer.tsx';

const E = '\u001b';
const line = (seq: number, text: string): LogLine => ({
  seq,
  at: '2025-01-01T00:00:00Z',
  stream: 'build',
  text,
});
const many = (n: number) => Array.from({ length: n }, (_, i) => line(i + 1, `step ${i + 1} ok`));

/** jsdom has no layout: give the scroll box a size and a scroll position. */
function layout(
  el: HTMLElement,
  { scrollHeight, clientHeight }: { scrollHeight: number; clientHeight: number },
) {
  let top = 0;
  Object.defineProperty(el, 'scrollHeight', { configurable: true, get: () => scrollHeight });
  Object.defineProperty(el, 'clientHeight', { configurable: true, get: () => clientHeight });
  Object.defineProperty(el, 'scrollTop', {
    configurable: true,
    get: () => top,
    set: (v: number) => {
      top = Math.max(0, Math.min(v, scrollHeight - clientHeight));
    },
  });
}

describe('LogViewer', () => {
  it('renders lines with their numbers and colour classes', () => {
    render(
      <LogViewer
        fileName="run"
        lines={[line(7, `${E}[1;31merror${E}[0m: build failed`), line(8, `${E}[38;5;208mwarn`)]}
      />,
    );
    const log = screen.getByRole('log');
    expect(log).toHaveAttribute('aria-live', 'off');
    const rows = log.querySelectorAll('.log-line');
    expect(rows).toHaveLength(2);
    expect(within(rows[0] as HTMLElement).getByText('7')).toHaveClass('log-no');
    expect(within(rows[0] as HTMLElement).getByText('error')).toHaveClass('ansi-fg-1', 'ansi-bold');
    expect(rows[0]).toHaveTextContent('error: build failed');
    expect(rows[0]?.textContent).not.toContain(E);
    expect(within(rows[1] as HTMLElement).getByText('warn')).toHaveStyle({ color: 'rgb(255, 135, 0)' });
  });

  it('says when there is nothing yet', () => {
    const { rerender } = render(<LogViewer fileName="run" lines={[]} loading />);
    expect(screen.getByText('Loading log…')).toBeInTheDocument();
    rerender(<LogViewer fileName="run" lines={[]} />);
    expect(screen.getByText('No log lines yet.')).toBeInTheDocument();
  });

  it('keeps only the visible rows in the DOM for a huge log', () => {
    render(<LogViewer fileName="run" lines={many(50_000)} />);
    const rows = screen.getByRole('log').querySelectorAll('.log-line');
    expect(rows.length).toBeLessThan(200);
    // Following: the rows at the end are the ones drawn.
    expect(rows[rows.length - 1]).toHaveAttribute('data-seq', '50000');
  });

  it('highlights matches, counts them and moves between them', async () => {
    const user = userEvent.setup();
    render(
      <LogViewer
        fileName="run"
        lines={[line(1, `${E}[32mnpm${E}[0m install`), line(2, 'compile'), line(3, 'NPM ok, npm done')]}
      />,
    );
    await user.type(screen.getByRole('searchbox', { name: 'Search the log' }), 'npm');
    expect(await screen.findByText('1 of 3')).toBeInTheDocument();
    const marks = screen.getByRole('log').querySelectorAll('mark');
    expect([...marks].map((m) => m.textContent)).toEqual(['npm', 'NPM', 'npm']);
    expect(marks[0]).toHaveClass('log-match-current');
    expect(marks[0]?.parentElement).toHaveClass('ansi-fg-2'); // the colour survives the highlight

    await user.click(screen.getByRole('button', { name: 'Next match' }));
    expect(screen.getByText('2 of 3')).toBeInTheDocument();
    expect(screen.getByRole('log').querySelectorAll('mark')[1]).toHaveClass('log-match-current');
    // In the search box: Enter goes to the next match, Shift+Enter to the previous one (wrapping).
    await user.click(screen.getByRole('searchbox'));
    await user.keyboard('{Enter}');
    expect(screen.getByText('3 of 3')).toBeInTheDocument();
    await user.keyboard('{Enter}');
    expect(screen.getByText('1 of 3')).toBeInTheDocument();
    await user.keyboard('{Shift>}{Enter}{/Shift}');
    expect(screen.getByText('3 of 3')).toBeInTheDocument();

    await user.clear(screen.getByRole('searchbox'));
    await user.type(screen.getByRole('searchbox'), 'nothing like this');
    expect(await screen.findByText('0 of 0')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Next match' })).toBeDisabled();
  });

  it('follows new lines, pauses when scrolled up, and resumes with Jump to latest', async () => {
    const user = userEvent.setup();
    const { rerender } = render(<LogViewer fileName="run" lines={many(100)} />);
    const log = screen.getByRole('log');
    layout(log, { scrollHeight: 2000, clientHeight: 400 });

    rerender(<LogViewer fileName="run" lines={many(101)} />);
    expect(log.scrollTop).toBe(1600); // stuck to the bottom
    expect(screen.getByRole('button', { name: 'Following' })).toHaveAttribute('aria-pressed', 'true');
    expect(screen.queryByRole('button', { name: /Jump to latest/ })).not.toBeInTheDocument();

    log.scrollTop = 500;
    fireEvent.scroll(log);
    const jump = screen.getByRole('button', { name: /Jump to latest/ });
    rerender(<LogViewer fileName="run" lines={many(102)} />);
    expect(log.scrollTop).toBe(500); // paused: the reader's place is kept

    await user.click(jump);
    expect(log.scrollTop).toBe(1600);
    expect(screen.queryByRole('button', { name: /Jump to latest/ })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Following' })).toHaveAttribute('aria-pressed', 'true');
  });

  it('downloads the whole log as plain text', async () => {
    const user = userEvent.setup();
    const createObjectURL = vi.fn((_blob: Blob) => 'blob:log');
    const revokeObjectURL = vi.fn();
    Object.assign(URL, { createObjectURL, revokeObjectURL });
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    render(<LogViewer fileName="wharf-r1" lines={[line(1, `${E}[31mred`), line(2, 'plain')]} />);
    await user.click(screen.getByRole('button', { name: 'Download' }));
    expect(click).toHaveBeenCalled();
    const blob = createObjectURL.mock.calls[0]?.[0] as Blob;
    expect(await blob.text()).toBe('red\nplain\n');
    click.mockRestore();
  });
});
