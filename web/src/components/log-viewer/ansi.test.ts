import { describe, expect, it } from 'vitest';
import { parseAnsi, segmentClass, stripAnsi, xtermColour } from './ansi.ts';

const E = '\u001b';

describe('parseAnsi', () => {
  it('leaves plain text as one unstyled segment', () => {
    expect(parseAnsi('npm run build')).toEqual([{ text: 'npm run build' }]);
    expect(parseAnsi('')).toEqual([]);
  });

  it('reads foreground colours, bright colours and the default colour', () => {
    expect(parseAnsi(`${E}[31mred${E}[39m plain ${E}[92mbright green`)).toEqual([
      { text: 'red', fg: 1 },
      { text: ' plain ' },
      { text: 'bright green', fg: 10 },
    ]);
  });

  it('reads bold, normal intensity and several codes in one sequence', () => {
    expect(parseAnsi(`${E}[1;33mWARN${E}[22m note${E}[0m done`)).toEqual([
      { text: 'WARN', fg: 3, bold: true },
      { text: ' note', fg: 3 },
      { text: ' done' },
    ]);
  });

  it('resets with 0 and with an empty parameter list', () => {
    expect(parseAnsi(`${E}[1;31mA${E}[mB${E}[34mC${E}[0mD`)).toEqual([
      { text: 'A', fg: 1, bold: true },
      { text: 'B' },
      { text: 'C', fg: 4 },
      { text: 'D' },
    ]);
  });

  it('reads 256 colours, true colour and backgrounds', () => {
    expect(parseAnsi(`${E}[38;5;208morange${E}[48;5;4;38;5;15m on blue${E}[49m`)).toEqual([
      { text: 'orange', fg: 208 },
      { text: ' on blue', fg: 15, bg: 4 },
    ]);
    expect(parseAnsi(`${E}[38;2;255;0;0mtrue red`)).toEqual([{ text: 'true red', fg: 196 }]);
    expect(parseAnsi(`${E}[41;97mERR`)).toEqual([{ text: 'ERR', fg: 15, bg: 1 }]);
  });

  it('drops unterminated and non-colour sequences instead of showing them', () => {
    expect(parseAnsi(`50%${E}[2K${E}[1Gdone`)).toEqual([{ text: '50%done' }]);
    expect(parseAnsi(`text ${E}[31`)).toEqual([{ text: 'text ' }]);
    expect(parseAnsi(`text ${E}`)).toEqual([{ text: 'text ' }]);
    expect(parseAnsi(`${E}]0;title${E}\\after`)).toEqual([{ text: 'after' }]);
    expect(parseAnsi(`${E}]8;;https://x${'\u0007'}link`)).toEqual([{ text: 'link' }]);
    expect(parseAnsi(`${E}]0;never ends`)).toEqual([]);
  });

  it('ignores codes it does not know and merges equal neighbours', () => {
    expect(parseAnsi(`${E}[4mun${E}[24mderline`)).toEqual([{ text: 'underline' }]);
  });
});

describe('stripAnsi and classes', () => {
  it('strips sequences for search and download', () => {
    expect(stripAnsi(`${E}[32m✔${E}[0m built in 2s`)).toBe('✔ built in 2s');
    expect(stripAnsi('no escapes')).toBe('no escapes');
  });

  it('names classes after the palette index', () => {
    expect(segmentClass({ fg: 1, bold: true })).toBe('ansi-fg-1 ansi-bold');
    expect(segmentClass({ fg: 208, bg: 12 })).toBe('ansi-fg-x ansi-bg-12');
    expect(segmentClass({})).toBe('');
    expect(xtermColour(196)).toBe('rgb(255, 0, 0)');
    expect(xtermColour(232)).toBe('rgb(8, 8, 8)');
  });
});
