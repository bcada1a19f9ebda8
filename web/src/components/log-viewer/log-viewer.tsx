import type { LogLine } from '@shared/deploy.ts';
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
import { LogRow, type RowMatch } from './log-row.tsx';
import { findMatches, logText } from './log-search.ts';
import './log-viewer.css';

/** Every row has this height (CSS agrees): positions are arithmetic, nothing jumps while streaming. */
export const LINE_HEIGHT = 20;
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
}

/**
 * A build log: coloured lines numbered by seq, following the tail until the reader scrolls up,
 * search with next/previous, download. Only the visible rows are in the DOM (a log may have 50,000
 * lines); the full height is reserved so the scrollbar is true and nothing shifts.
 */
export function LogViewer({ lines, fileName, loading = false, label = 'Build log' }: LogViewerProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [following, setFollowing] = useState(true);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(0);

  const search = useLogSearch(lines);

  // Follow: after new lines are committed, before paint, stick to the bottom.
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-run when the line count changes
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el || !following) return;
    el.scrollTop = el.scrollHeight;
    setScrollTop(el.scrollTop);
  }, [following, lines.length]);

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    setViewport(el.clientHeight);
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => setViewport(el.clientHeight));
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

  const reveal = useCallback((lineIndex: number) => {
    const el = scrollRef.current;
    if (!el) return;
    const height = el.clientHeight || FALLBACK_VIEWPORT;
    const top = lineIndex * LINE_HEIGHT;
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

  const visible = Math.ceil((viewport || FALLBACK_VIEWPORT) / LINE_HEIGHT);
  // Following means the view is at the end, whatever scroll position the last event reported.
  const top = following ? Math.max(0, lines.length - visible) : Math.floor(scrollTop / LINE_HEIGHT);
  const first = Math.max(0, top - OVERSCAN);
  const last = Math.min(lines.length, top + visible + OVERSCAN);
  const rows = lines.slice(first, last);

  return (
    <section className="log-viewer" aria-label={label}>
      <div className="log-toolbar">
        <SearchBox search={search} />
        <div className="log-actions">
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
          className="log-scroll"
          role="log"
          aria-live="off"
          aria-label={label}
          aria-busy={loading}
          // biome-ignore lint/a11y/noNoninteractiveTabindex: the log scrolls with the keyboard
          tabIndex={0}
          onScroll={onScroll}
        >
          {lines.length === 0 ? (
            <p className="log-empty">{loading ? 'Loading log…' : 'No log lines yet.'}</p>
          ) : (
            <div
              className="log-content"
              style={{ height: lines.length * LINE_HEIGHT, paddingTop: first * LINE_HEIGHT }}
            >
              {rows.map((line, i) => (
                <LogRow key={line.seq} line={line} matches={search.matchesOf(first + i)} />
              ))}
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
