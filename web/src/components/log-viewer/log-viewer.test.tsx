import type { LogLine, RunStep } from '@shared/deploy.ts';
import { fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { LogViewer, WRAP_KEY } from './log-viewer.tsx';

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
    expect((rows[0] as HTMLElement).querySelector('.log-no')).toHaveTextContent(/^7$/);
    expect(rows[0]).toHaveTextContent(/^!7 at \d\d:\d\d:\d\d\.000, error:/);
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

  it('wraps long lines on request and remembers the choice', async () => {
    const user = userEvent.setup();
    localStorage.removeItem(WRAP_KEY);
    const { unmount } = render(<LogViewer fileName="run" lines={many(3)} />);
    const wrap = screen.getByRole('button', { name: 'Wrap lines' });
    expect(wrap).toHaveAttribute('aria-pressed', 'false');
    expect(screen.getByRole('log')).not.toHaveClass('log-wrap');
    await user.click(wrap);
    expect(wrap).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByRole('log')).toHaveClass('log-wrap');
    unmount();
    // Another log, later: still wrapped.
    render(<LogViewer fileName="other" lines={many(3)} />);
    expect(screen.getByRole('button', { name: 'Wrap lines' })).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByRole('log')).toHaveClass('log-wrap');
    localStorage.removeItem(WRAP_KEY);
  });

  it("gives each line's time on hover and to a screen reader", () => {
    render(<LogViewer fileName="run" lines={[{ ...line(3, 'compile'), at: '2025-01-01T10:20:30.045Z' }]} />);
    const number = screen.getByRole('log').querySelector('.log-line .log-no') as HTMLElement;
    expect(number.title).toMatch(/\d\d:20:30\.045 · 2025-01-01T10:20:30\.045Z/);
    expect(number).toHaveTextContent(/^3$/);
    const row = number.closest('.log-line') as HTMLElement;
    expect(row.querySelector('time')).toHaveAttribute('datetime', '2025-01-01T10:20:30.045Z');
    expect(row).toHaveTextContent(/^3 at \d\d:20:30\.045 compile$/);
  });

  it('marks error lines with colour, a sign and words', () => {
    render(
      <LogViewer
        fileName="run"
        lines={[
          line(1, 'npm ERR! missing script: build'),
          line(2, 'fatal: repository not found'),
          line(3, 'Error: Cannot find module'),
          line(4, 'found 0 errors'),
          line(5, 'compiled ok'),
        ]}
      />,
    );
    const rows = [...screen.getByRole('log').querySelectorAll('.log-line')];
    expect(rows.map((r) => r.classList.contains('log-line-error'))).toEqual([true, true, true, false, false]);
    expect(rows[0]).toHaveTextContent(/, error:/);
    expect(rows[0]?.querySelector('.log-error-mark')).toHaveTextContent('!');
    expect(rows[4]).not.toHaveTextContent(/error/);
  });

  it('groups lines under their steps, each collapsible with its count and status', async () => {
    const user = userEvent.setup();
    const at = (s: number) => `2025-01-01T00:00:${String(s).padStart(2, '0')}.000Z`;
    const steps: RunStep[] = [
      { name: 'build', status: 'succeeded', startedAt: at(1), endedAt: at(5) },
      { name: 'push', status: 'failed', startedAt: at(5), endedAt: at(6) },
    ];
    const lines = [
      { ...line(1, 'Run queued'), at: at(0) }, // before the first step: counted with it
      { ...line(2, 'npm ci'), at: at(2) },
      { ...line(3, 'npm run build'), at: at(4) },
      { ...line(4, 'pushing'), at: at(5) },
      { ...line(5, 'error: denied'), at: at(6) },
    ];
    render(<LogViewer fileName="run" lines={lines} steps={steps} />);
    const build = screen.getByRole('button', { name: /Build\W+3 lines\W+succeeded/ });
    const push = screen.getByRole('button', { name: /Push\W+2 lines\W+1 error\W+failed/ });
    expect(build).toHaveAttribute('aria-expanded', 'true');
    expect(push).toHaveAttribute('aria-expanded', 'true');
    const seqsShown = () =>
      [...screen.getByRole('log').querySelectorAll('.log-line')].map((r) => r.getAttribute('data-seq'));
    expect(seqsShown()).toEqual(['1', '2', '3', '4', '5']);

    await user.click(build);
    expect(build).toHaveAttribute('aria-expanded', 'false');
    expect(seqsShown()).toEqual(['4', '5']);
    await user.click(build);
    expect(seqsShown()).toEqual(['1', '2', '3', '4', '5']);
  });

  it('opens a collapsed step when a search match is inside it', async () => {
    const user = userEvent.setup();
    const steps: RunStep[] = [{ name: 'build', status: 'succeeded', startedAt: '2025-01-01T00:00:00Z' }];
    render(<LogViewer fileName="run" lines={many(5)} steps={steps} />);
    await user.click(screen.getByRole('button', { name: /Build\W+5 lines/ }));
    expect(screen.getByRole('log').querySelectorAll('.log-line')).toHaveLength(0);
    await user.type(screen.getByRole('searchbox', { name: 'Search the log' }), 'step 4');
    expect(await screen.findByText('1 of 1')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /Build\W+5 lines/ })).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByRole('log').querySelector('mark')).toHaveTextContent('step 4');
  });
});
