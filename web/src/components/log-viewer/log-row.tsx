import type { LogLine } from '@shared/deploy.ts';
import { memo } from 'react';
import { segmentClass, xtermColour } from './ansi.ts';
import { highlight, type Piece, parseLine } from './log-search.ts';

export interface RowMatch {
  start: number;
  end: number;
  current: boolean;
}

/** A line's time as a reader wants it on hover: the local time of day, to the millisecond. */
export function lineTime(at: string): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return at;
  const time = date.toLocaleTimeString('en-GB', { hour12: false });
  return `${time}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

/**
 * One log line: its number (the line's seq; its time on hover, and read out after the number by a
 * screen reader) and its text as coloured spans. An error line is marked by colour, a sign, and words.
 */
export const LogRow = memo(function LogRow({
  line,
  matches,
  error = false,
  height,
}: {
  line: LogLine;
  matches: RowMatch[];
  error?: boolean;
  /** Set when lines wrap: the height the layout gave this line. */
  height?: number | undefined;
}) {
  const pieces = highlight(parseLine(line).segments, matches);
  const time = lineTime(line.at);
  const className = `log-line${line.stream === 'workflow' ? ' log-line-workflow' : ''}${error ? ' log-line-error' : ''}`;
  return (
    <div className={className} data-seq={line.seq} style={height ? { height } : undefined}>
      {error && (
        <span className="log-error-mark" aria-hidden="true">
          !
        </span>
      )}
      <span className="log-no" title={`${time} · ${line.at}`}>
        {line.seq}
      </span>
      <span className="visually-hidden">
        {' '}
        at <time dateTime={line.at}>{time}</time>
        {error ? ', error:' : ''}{' '}
      </span>
      <span className="log-text">
        {pieces.map((piece, i) => (
          // Pieces of one line never reorder: the index is a stable key.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <PieceSpan key={i} piece={piece} />
        ))}
      </span>
    </div>
  );
});

function PieceSpan({ piece }: { piece: Piece }) {
  const className = segmentClass(piece);
  // 256-colour indexes above 15 have no class of their own: their exact colour goes inline.
  const style =
    (piece.fg ?? 0) >= 16 || (piece.bg ?? 0) >= 16
      ? {
          ...((piece.fg ?? 0) >= 16 ? { color: xtermColour(piece.fg as number) } : {}),
          ...((piece.bg ?? 0) >= 16 ? { backgroundColor: xtermColour(piece.bg as number) } : {}),
        }
      : undefined;
  const content = piece.mark ? (
    <mark className={piece.mark === 'current' ? 'log-match log-match-current' : 'log-match'}>
      {piece.text}
    </mark>
  ) : (
    piece.text
  );
  if (!className && !style) return <>{content}</>;
  return (
    <span className={className || undefined} style={style}>
      {content}
    </span>
  );
}
