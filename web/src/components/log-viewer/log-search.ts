import type { LogLine } from '@shared/deploy.ts';
import { type AnsiSegment, parseAnsi } from './ansi.ts';

/** A parsed line: its styled segments and its plain text (what search sees). Parsed once per line. */
export interface ParsedLine {
  segments: AnsiSegment[];
  plain: string;
}

const parsed = new WeakMap<LogLine, ParsedLine>();

export function parseLine(line: LogLine): ParsedLine {
  let entry = parsed.get(line);
  if (!entry) {
    // A progress bar redraws with \r: show what the terminal would show, the last redraw.
    const cr = line.text.lastIndexOf('\r', line.text.length - 2);
    const segments = parseAnsi(cr === -1 ? line.text.replace(/\r$/, '') : line.text.slice(cr + 1));
    entry = { segments, plain: segments.map((s) => s.text).join('') };
    parsed.set(line, entry);
  }
  return entry;
}

/** One occurrence of the search text: the line's index in the log and where it starts in its text. */
export interface LogMatch {
  line: number;
  start: number;
}

/** Every case-insensitive occurrence of `query`, in log order. */
export function findMatches(lines: readonly LogLine[], query: string): LogMatch[] {
  if (!query) return [];
  const needle = query.toLowerCase();
  const matches: LogMatch[] = [];
  for (let i = 0; i < lines.length; i++) {
    const text = parseLine(lines[i] as LogLine).plain.toLowerCase();
    let at = text.indexOf(needle);
    while (at !== -1) {
      matches.push({ line: i, start: at });
      at = text.indexOf(needle, at + needle.length);
    }
  }
  return matches;
}

export interface Piece extends AnsiSegment {
  mark?: 'match' | 'current' | undefined;
}

/** Cuts a line's segments at the highlighted ranges, keeping each piece's colours. */
export function highlight(
  segments: readonly AnsiSegment[],
  ranges: ReadonlyArray<{ start: number; end: number; current: boolean }>,
): Piece[] {
  if (ranges.length === 0) return segments as Piece[];
  const pieces: Piece[] = [];
  let offset = 0;
  for (const segment of segments) {
    const segStart = offset;
    const segEnd = offset + segment.text.length;
    let cursor = segStart;
    for (const range of ranges) {
      if (range.end <= cursor || range.start >= segEnd) continue;
      const from = Math.max(range.start, cursor);
      const to = Math.min(range.end, segEnd);
      if (from > cursor)
        pieces.push({ ...segment, text: segment.text.slice(cursor - segStart, from - segStart) });
      pieces.push({
        ...segment,
        text: segment.text.slice(from - segStart, to - segStart),
        mark: range.current ? 'current' : 'match',
      });
      cursor = to;
    }
    if (cursor < segEnd) pieces.push({ ...segment, text: segment.text.slice(cursor - segStart) });
    offset = segEnd;
  }
  return pieces;
}

/** The whole log as plain text, for the download. */
export function logText(lines: readonly LogLine[]): string {
  return lines.map((line) => `${parseLine(line).plain}\n`).join('');
}
