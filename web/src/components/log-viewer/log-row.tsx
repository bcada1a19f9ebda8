import type { LogLine } from '@shared/deploy.ts';
import { memo } from 'react';
import { segmentClass, xtermColour } from './ansi.ts';
import { highlight, type Piece, parseLine } from './log-search.ts';

export interface RowMatch {
  start: number;
  end: number;
  current: boolean;
}

/** One log line: its number (the line's seq) and its text as coloured spans. */
export const LogRow = memo(function LogRow({ line, matches }: { line: LogLine; matches: RowMatch[] }) {
  const pieces = highlight(parseLine(line).segments, matches);
  return (
    <div className={`log-line${line.stream === 'workflow' ? ' log-line-workflow' : ''}`} data-seq={line.seq}>
      <span className="log-no">{line.seq}</span>
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
