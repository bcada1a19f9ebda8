/**
 * How long one stored log line may be. A longer line (a minified blob, a progress bar without line
 * ends) is cut into pieces, so one line can't stall the log or outgrow an item or a WebSocket frame.
 */
export const MAX_LOG_LINE_BYTES = 8_192;

/**
 * `text` in pieces of at most `maxBytes` of UTF-8, cut only between code points: a cut inside a
 * character (or between the halves of a surrogate pair) shows as U+FFFD once encoded. `text` must be
 * well-formed, as a TextDecoder or StringDecoder returns it.
 */
export function splitLogLine(text: string, maxBytes = MAX_LOG_LINE_BYTES): string[] {
  if (text.length * 3 <= maxBytes) return [text];
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= maxBytes) return [text];
  const decoder = new TextDecoder();
  const pieces: string[] = [];
  let from = 0;
  while (bytes.length - from > maxBytes) {
    let to = from + maxBytes;
    // Back off continuation bytes (10xxxxxx) to the start of the character they belong to.
    while (((bytes[to] ?? 0) & 0xc0) === 0x80) to--;
    pieces.push(decoder.decode(bytes.subarray(from, to)));
    from = to;
  }
  pieces.push(decoder.decode(bytes.subarray(from)));
  return pieces;
}
