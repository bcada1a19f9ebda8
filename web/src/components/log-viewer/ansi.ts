/**
 * A small ANSI SGR parser for build logs: colours (30–37, 90–97, 38;5;n, 38;2;r;g;b mapped to the
 * 256-colour cube), backgrounds (40–47, 100–107, 48;5;n), bold (1, 22), defaults (39, 49) and reset (0).
 * Every other escape sequence (cursor moves, erase line, OSC titles/links) is dropped, never shown.
 * Each line is parsed on its own: build tools reset their colours at the end of a line.
 */
export interface AnsiStyle {
  /** 0–255: 0–7 normal, 8–15 bright, 16–255 the xterm 256-colour palette. */
  fg?: number | undefined;
  bg?: number | undefined;
  bold?: boolean | undefined;
}

export interface AnsiSegment extends AnsiStyle {
  text: string;
}

const ESC = '\u001b';
const BEL = '\u0007';

export function parseAnsi(input: string): AnsiSegment[] {
  const segments: AnsiSegment[] = [];
  let style: AnsiStyle = {};
  let text = '';
  const flush = () => {
    if (!text) return;
    const last = segments.at(-1);
    if (last && sameStyle(last, style)) last.text += text;
    else segments.push({ text, ...definedOnly(style) });
    text = '';
  };

  let i = 0;
  const n = input.length;
  while (i < n) {
    const esc = input.indexOf(ESC, i);
    if (esc === -1) {
      text += input.slice(i);
      break;
    }
    text += input.slice(i, esc);
    const kind = input[esc + 1];
    if (kind === '[') {
      // CSI: parameter bytes 0x30–0x3F, intermediate bytes 0x20–0x2F, one final byte 0x40–0x7E.
      let j = esc + 2;
      while (j < n && isBetween(input.charCodeAt(j), 0x30, 0x3f)) j++;
      while (j < n && isBetween(input.charCodeAt(j), 0x20, 0x2f)) j++;
      if (j >= n || !isBetween(input.charCodeAt(j), 0x40, 0x7e)) {
        // Unterminated (or malformed): drop the sequence, keep what follows a malformed one.
        i = j >= n ? n : j;
        continue;
      }
      if (input[j] === 'm') {
        flush();
        style = applySgr(style, input.slice(esc + 2, j));
      }
      i = j + 1;
    } else if (kind === ']') {
      // OSC (window title, hyperlinks): ends with BEL or ESC \.
      const bel = input.indexOf(BEL, esc + 2);
      const st = input.indexOf(`${ESC}\\`, esc + 2);
      const ends = [bel === -1 ? Infinity : bel + 1, st === -1 ? Infinity : st + 2];
      const end = Math.min(...ends);
      i = end === Infinity ? n : end;
    } else {
      // A two-character escape (ESC 7, ESC =, …) or a lone ESC at the end.
      i = Math.min(n, esc + 2);
    }
  }
  flush();
  return segments;
}

/** The line as plain text: what search matches and what the download holds. */
export function stripAnsi(input: string): string {
  if (!input.includes(ESC)) return input;
  return parseAnsi(input)
    .map((s) => s.text)
    .join('');
}

function applySgr(current: AnsiStyle, params: string): AnsiStyle {
  const codes = params === '' ? [0] : params.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)));
  const style: AnsiStyle = { ...current };
  for (let k = 0; k < codes.length; k++) {
    const code = codes[k] as number;
    if (code === 0) {
      style.fg = undefined;
      style.bg = undefined;
      style.bold = undefined;
    } else if (code === 1) style.bold = true;
    else if (code === 22) style.bold = undefined;
    else if (code >= 30 && code <= 37) style.fg = code - 30;
    else if (code >= 90 && code <= 97) style.fg = code - 90 + 8;
    else if (code === 39) style.fg = undefined;
    else if (code >= 40 && code <= 47) style.bg = code - 40;
    else if (code >= 100 && code <= 107) style.bg = code - 100 + 8;
    else if (code === 49) style.bg = undefined;
    else if (code === 38 || code === 48) {
      const [colour, used] = extendedColour(codes, k + 1);
      if (code === 38) style.fg = colour;
      else style.bg = colour;
      k += used;
    }
  }
  return style;
}

/** `5;n` (256 colours) or `2;r;g;b` (true colour, mapped to the 6×6×6 cube); returns codes consumed. */
function extendedColour(codes: number[], at: number): [number | undefined, number] {
  const mode = codes[at];
  if (mode === 5) {
    const n = codes[at + 1];
    return [n !== undefined && n >= 0 && n <= 255 ? n : undefined, 2];
  }
  if (mode === 2) {
    const [r, g, b] = [codes[at + 1], codes[at + 2], codes[at + 3]].map((v) =>
      Math.round((Math.min(255, Math.max(0, v ?? 0)) / 255) * 5),
    ) as [number, number, number];
    return [16 + 36 * r + 6 * g + b, 4];
  }
  return [undefined, 1];
}

/** CSS classes for a segment (`ansi-fg-1`, `ansi-bg-4`, `ansi-bold`); 16–255 use `ansi-fg-x` + a colour. */
export function segmentClass(style: AnsiStyle): string {
  const classes: string[] = [];
  if (style.fg !== undefined) classes.push(style.fg < 16 ? `ansi-fg-${style.fg}` : 'ansi-fg-x');
  if (style.bg !== undefined) classes.push(style.bg < 16 ? `ansi-bg-${style.bg}` : 'ansi-bg-x');
  if (style.bold) classes.push('ansi-bold');
  return classes.join(' ');
}

/** The xterm colour of a 256-palette index from 16 up (the 16 base colours are themed in CSS). */
export function xtermColour(n: number): string {
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v}, ${v}, ${v})`;
  }
  const i = n - 16;
  const level = (c: number) => (c === 0 ? 0 : 55 + c * 40);
  return `rgb(${level(Math.floor(i / 36))}, ${level(Math.floor(i / 6) % 6)}, ${level(i % 6)})`;
}

const isBetween = (code: number, low: number, high: number) => code >= low && code <= high;

const sameStyle = (a: AnsiStyle, b: AnsiStyle) => a.fg === b.fg && a.bg === b.bg && !a.bold === !b.bold;

function definedOnly(style: AnsiStyle): AnsiStyle {
  const out: AnsiStyle = {};
  if (style.fg !== undefined) out.fg = style.fg;
  if (style.bg !== undefined) out.bg = style.bg;
  if (style.bold) out.bold = true;
  return out;
}
