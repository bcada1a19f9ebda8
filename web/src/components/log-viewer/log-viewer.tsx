import type { LogLine, RunStep } from '@shared/deploy.ts';
import {
  type KeyboardEvent,
  useCallback,
  useDeferredValue,
  useEffect,
  useId,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { groupLines, isErrorLine, LINE_HEIGHT, type LogGroup, layoutLog, rowAt } from './log-layout.ts';
import { LogRow, type RowMatch } from './log-row.tsx';
import { findMatches, logText } from './log-search.ts';
import './log-viewer.css';

export { LINE_HEIGHT } from './log-layout.ts';
/** Where the reader's choice to wrap lines is kept (per browser, for every log). */
export const WRAP_KEY = 'wharf.log.wrap';
/** Rows drawn beyond the visible ones, so fast scrolling doesn't show blanks. */
const OVERSCAN = 30;
/** Until the viewport is measured (or where layout doesn't exist, as in tests). */
const FALLBACK_VIEWPORT = 600;

export interface LogViewerProps {
  lines: readonly LogLine[];
  /** Download name, without `.txt`. */
  fileName: string;
  loading?: boolean;
  label?: string;
  /** The run's steps: lines are grouped under the step that wrote them. */
  steps?: readonly RunStep[] | undefined;
}

/**
 * A build log: coloured lines numbered by seq (time on hover), grouped by step (collapsible), error
 * lines marked, following the tail until the reader scrolls up, search with next/previous, wrap on
 * request, download. Only the visible rows are in the DOM (a log may have 50,000 lines); the full
 * height is reserved so the scrollbar is true and nothing shifts.
 */
export function LogViewer({
  lines,
  fileName,
  loading = false,
  label = 'Build log',
  steps = NO_STEPS,
}: LogViewerProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const probeRef = useRef<HTMLDivElement>(null);
  const [following, setFollowing] = useState(true);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(0);
  const [wrap, setWrap] = useStoredFlag(WRAP_KEY);
  const [columns, setColumns] = useState<number>();
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());

  const search = useLogSearch(lines);
  const groups = useMemo(() => groupLines(lines, steps), [lines, steps]);
  const layout = useMemo(
    () => layoutLog(lines, groups, collapsed, wrap ? columns : undefined),
    [lines, groups, collapsed, wrap, columns],
  );
  const errorLines = useMemo(() => new Set(lines.flatMap((l, i) => (isErrorLine(l) ? [i] : []))), [lines]);
  const toggleGroup = (group: LogGroup) =>
    setCollapsed((current) => {
      const next = new Set(current);
      if (!next.delete(group.key)) next.add(group.key);
      return next;
    });

  // Follow: after new lines are committed, before paint, stick to the bottom.
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-run when the line count changes
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el || !following) return;
    el.scrollTop = el.scrollHeight;
    setScrollTop(el.scrollTop);
  }, [following, lines.length, layout]);

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const measure = () => {
      setViewport(el.clientHeight);
      setColumns(columnsOf(el, probeRef.current));
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const onScroll = () => {
    const el = scrollRef.current;
    if (!el) return;
    setScrollTop(el.scrollTop);
    // Scrolling up pauses; reaching the bottom again (End, scrolling down) resumes.
    setFollowing(el.scrollHeight - el.scrollTop - el.clientHeight < LINE_HEIGHT);
  };

  const jumpToLatest = () => {
    const el = scrollRef.current;
    if (el) {
      el.scrollTop = el.scrollHeight;
      setScrollTop(el.scrollTop);
    }
    setFollowing(true);
  };

  // Read through refs: revealing follows the current match, not every streamed line.
  const layoutRef = useRef(layout);
  layoutRef.current = layout;
  const groupsRef = useRef(groups);
  groupsRef.current = groups;
  /** A match inside a collapsed step: revealed once the opened step is laid out. */
  const pendingReveal = useRef<number | undefined>(undefined);
  const reveal = useCallback((lineIndex: number) => {
    const el = scrollRef.current;
    if (!el) return;
    const current = layoutRef.current;
    const row = current.rowOfLine[lineIndex] ?? -1;
    if (row === -1) {
      const group = groupsRef.current.find((g) => lineIndex >= g.start && lineIndex < g.start + g.count);
      if (group) {
        pendingReveal.current = lineIndex;
        setCollapsed((open) => new Set([...open].filter((k) => k !== group.key)));
      }
      return;
    }
    const height = el.clientHeight || FALLBACK_VIEWPORT;
    const top = current.offsets[row] as number;
    if (top < el.scrollTop || top + LINE_HEIGHT > el.scrollTop + height) {
      el.scrollTop = Math.max(0, top - Math.floor(height / 3));
    }
    setScrollTop(el.scrollTop);
    setFollowing(false);
  }, []);
  const revealLine = search.current ? search.current.line : undefined;
  useEffect(() => {
    if (revealLine !== undefined) reveal(revealLine);
  }, [revealLine, reveal]);
  useEffect(() => {
    const line = pendingReveal.current;
    if (line === undefined || (layout.rowOfLine[line] ?? -1) === -1) return;
    pendingReveal.current = undefined;
    reveal(line);
  }, [layout, reveal]);

  const height = viewport || FALLBACK_VIEWPORT;
  const total = layout.offsets[layout.rows.length] as number;
  // Following means the view is at the end, whatever scroll position the last event reported.
  const top = following ? Math.max(0, total - height) : scrollTop;
  const first = Math.max(0, rowAt(layout.offsets, top) - OVERSCAN);
  const last = Math.min(layout.rows.length, rowAt(layout.offsets, top + height) + 1 + OVERSCAN);
  const rows = layout.rows.slice(first, last);

  return (
    <section className="log-viewer" aria-label={label}>
      <div className="log-toolbar">
        <SearchBox search={search} />
        <div className="log-actions">
          <button type="button" className="btn" aria-pressed={wrap} onClick={() => setWrap(!wrap)}>
            Wrap lines
          </button>
          <button
            type="button"
            className="btn"
            aria-pressed={following}
            onClick={() => (following ? setFollowing(false) : jumpToLatest())}
          >
            {following ? 'Following' : 'Follow'}
          </button>
          <button
            type="button"
            className="btn"
            onClick={() => downloadLog(lines, fileName)}
            disabled={lines.length === 0}
          >
            Download
          </button>
        </div>
      </div>
      <div className="log-frame">
        {/* role=log implies aria-live=polite; lines are not announced one by one (status changes are). */}
        <div
          ref={scrollRef}
          className={`log-scroll${wrap ? ' log-wrap' : ''}`}
          role="log"
          aria-live="off"
          aria-label={label}
          aria-busy={loading}
          // biome-ignore lint/a11y/noNoninteractiveTabindex: the log scrolls with the keyboard
          tabIndex={0}
          onScroll={onScroll}
        >
          {/* Measures one character and the number column: how many characters a wrapped row holds. */}
          <div ref={probeRef} className="log-probe" aria-hidden="true">
            <span className="log-no">0</span>
            <span className="log-text">0000000000</span>
          </div>
          {lines.length === 0 ? (
            <p className="log-empty">{loading ? 'Loading log…' : 'No log lines yet.'}</p>
          ) : (
            <div className="log-content" style={{ height: total, paddingTop: layout.offsets[first] }}>
              {rows.map((row) =>
                row.kind === 'header' ? (
                  <StepHeader
                    key={`step-${row.group.key}`}
                    group={row.group}
                    collapsed={row.collapsed}
                    onToggle={toggleGroup}
                  />
                ) : (
                  <LogRow
                    key={(lines[row.index] as LogLine).seq}
                    line={lines[row.index] as LogLine}
                    error={errorLines.has(row.index)}
                    height={
                      wrap ? rowHeightOf(layout.offsets, layout.rowOfLine[row.index] as number) : undefined
                    }
                    matches={search.matchesOf(row.index)}
                  />
                ),
              )}
            </div>
          )}
        </div>
        {!following && lines.length > 0 && (
          <button type="button" className="btn btn-primary log-jump" onClick={jumpToLatest}>
            Jump to latest ↓
          </button>
        )}
      </div>
    </section>
  );
}

const NO_MATCHES: RowMatch[] = [];
const NO_STEPS: readonly RunStep[] = [];

const rowHeightOf = (offsets: Float64Array, row: number) =>
  (offsets[row + 1] as number) - (offsets[row] as number);

/** Characters a wrapped row holds: the scroll box's width less the number column, in characters. */
function columnsOf(scroll: HTMLElement, probe: HTMLElement | null): number | undefined {
  const text = probe?.querySelector<HTMLElement>('.log-text');
  const number = probe?.querySelector<HTMLElement>('.log-no');
  const char = text ? text.getBoundingClientRect().width / 10 : 0;
  // No layout (tests) or not shown yet: no wrapping arithmetic, one row per line.
  if (!char || !number) return undefined;
  // The text's right padding is 1em, about one character of a monospace font.
  const room = scroll.clientWidth - number.getBoundingClientRect().width - char;
  return Math.max(10, Math.floor(room / char));
}

/** A boolean kept in localStorage, so a reader's choice holds across runs and reloads. */
function useStoredFlag(key: string): [boolean, (value: boolean) => void] {
  const [value, setValue] = useState(() => {
    try {
      return localStorage.getItem(key) === 'true';
    } catch {
      return false; // storage blocked: the default, not remembered
    }
  });
  const set = useCallback(
    (next: boolean) => {
      setValue(next);
      try {
        localStorage.setItem(key, String(next));
      } catch {
        // Storage blocked or full: the choice holds for this page only.
      }
    },
    [key],
  );
  return [value, set];
}

const STATUS_WORDS: Record<LogGroup['status'], string> = {
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  skipped: 'skipped',
};

/** A step's header: opens and closes its lines, says how many there are and how the step ended. */
function StepHeader({
  group,
  collapsed,
  onToggle,
}: {
  group: LogGroup;
  collapsed: boolean;
  onToggle: (group: LogGroup) => void;
}) {
  const count = `${group.count.toLocaleString('en')} ${group.count === 1 ? 'line' : 'lines'}`;
  return (
    <div className={`log-step log-step-${group.status}`}>
      <button
        type="button"
        className="log-step-toggle"
        aria-expanded={!collapsed}
        onClick={() => onToggle(group)}
      >
        <span className="log-step-chevron" aria-hidden="true">
          {collapsed ? '▸' : '▾'}
        </span>
        <span className="log-step-title">{group.title}</span>
        {' · '}
        <span className="log-step-count">{count}</span>
        {group.errors > 0 && (
          <>
            {' · '}
            <span className="log-step-errors">
              {group.errors} {group.errors === 1 ? 'error' : 'errors'}
            </span>
          </>
        )}
        {' · '}
        <span className="log-step-status">{STATUS_WORDS[group.status]}</span>
      </button>
    </div>
  );
}

/** Search state: the query, every match, the current one, and each row's highlighted ranges. */
function useLogSearch(lines: readonly LogLine[]) {
  const [query, setQuery] = useState('');
  const deferredQuery = useDeferredValue(query);
  const [index, setIndex] = useState(0);
  const matches = useMemo(() => findMatches(lines, deferredQuery), [lines, deferredQuery]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new query starts at its first match
  useEffect(() => setIndex(0), [deferredQuery]);

  const byLine = useMemo(() => {
    const map = new Map<number, RowMatch[]>();
    matches.forEach((m, k) => {
      const list = map.get(m.line) ?? [];
      list.push({ start: m.start, end: m.start + deferredQuery.length, current: k === index });
      map.set(m.line, list);
    });
    return map;
  }, [matches, deferredQuery, index]);

  const count = matches.length;
  const clamped = count === 0 ? 0 : Math.min(index, count - 1);
  return {
    query,
    setQuery,
    count,
    position: count === 0 ? 0 : clamped + 1,
    current: matches[clamped],
    next: () => count > 0 && setIndex((clamped + 1) % count),
    previous: () => count > 0 && setIndex((clamped - 1 + count) % count),
    matchesOf: (lineIndex: number) => byLine.get(lineIndex) ?? NO_MATCHES,
  };
}

function SearchBox({ search }: { search: ReturnType<typeof useLogSearch> }) {
  const id = useId();
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      if (event.shiftKey) search.previous();
      else search.next();
    } else if (event.key === 'Escape' && search.query) {
      event.preventDefault();
      search.setQuery('');
    }
  };
  return (
    <search className="log-search">
      <label htmlFor={id} className="visually-hidden">
        Search the log
      </label>
      <input
        id={id}
        type="search"
        className="input"
        placeholder="Search log"
        value={search.query}
        onChange={(e) => search.setQuery(e.target.value)}
        onKeyDown={onKeyDown}
        autoComplete="off"
        spellCheck={false}
      />
      <output className="log-search-count muted" aria-live="polite">
        {search.query ? `${search.position} of ${search.count}` : ''}
      </output>
      <button
        type="button"
        className="btn"
        onClick={search.previous}
        disabled={search.count === 0}
        aria-label="Previous match"
      >
        ↑
      </button>
      <button
        type="button"
        className="btn"
        onClick={search.next}
        disabled={search.count === 0}
        aria-label="Next match"
      >
        ↓
      </button>
    </search>
  );
}

/** Saves the whole log (not just the visible rows) as plain text. */
function downloadLog(lines: readonly LogLine[], fileName: string) {
  const blob = new Blob([logText(lines)], { type: 'text/plain;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = `${fileName}.txt`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
