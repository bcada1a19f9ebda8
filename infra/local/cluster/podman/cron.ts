/**
 * Standard five-field cron (minute hour day-of-month month day-of-week), as a CronJob's `schedule`
 * reads: numbers, `*`, ranges `a-b`, steps `/n`, lists `a,b`, month and weekday names, 7 = Sunday,
 * and the macros @hourly, @daily (@midnight), @weekly, @monthly, @yearly (@annually). When both
 * day fields are restricted a day matching either runs, as in Vixie cron. Times are UTC, as a
 * CronJob without `timeZone` runs on most clusters.
 */

export interface CronSchedule {
  /** The first time after `after` (to the minute) that the schedule fires. */
  next(after: Date): Date;
}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** The first name's number (months count from 1). */
  nameBase?: number;
}

const FIELDS: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAYS, nameBase: 0 },
];

function value(text: string, spec: FieldSpec): number {
  const named = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + (spec.nameBase ?? 0);
  if (!/^\d+$/.test(text)) throw new Error(`"${text}" is not a ${spec.name}`);
  const number = Number(text);
  if (number < spec.min || number > spec.max) {
    throw new Error(`${spec.name} ${number} is outside ${spec.min}-${spec.max}`);
  }
  return number;
}

function field(text: string, spec: FieldSpec): { values: Set<number>; any: boolean } {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`"${part}": the step must be a positive number`);
    let from: number;
    let to: number;
    if (range === '*') {
      from = spec.min;
      to = spec.max;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      from = value(a, spec);
      to = value(b, spec);
      if (from > to) throw new Error(`"${range}": a range goes from low to high`);
    } else {
      from = value(range, spec);
      // `5/15` means from 5 to the end, every 15.
      to = stepText === undefined ? from : spec.max;
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return { values, any: text === '*' || text.startsWith('*/') };
}

/** Parses a cron expression; throws an Error saying which field is wrong. */
export function parseCron(expression: string): CronSchedule {
  const text = MACROS[expression.trim().toLowerCase()] ?? expression.trim();
  const parts = text.split(/\s+/);
  if (parts.length !== 5) {
    throw new Error(
      `"${expression}" has ${parts.length} fields; a schedule has 5 (minute hour day month weekday)`,
    );
  }
  const [minute, hour, dom, month, dow] = parts.map((part, i) => {
    const spec = FIELDS[i] as FieldSpec;
    try {
      return field(part, spec);
    } catch (error) {
      throw new Error(`"${expression}": ${(error as Error).message}`);
    }
  }) as [
    ReturnType<typeof field>,
    ReturnType<typeof field>,
    ReturnType<typeof field>,
    ReturnType<typeof field>,
    ReturnType<typeof field>,
  ];
  if (dow.values.has(7)) dow.values.add(0);

  const dayMatches = (date: Date) => {
    const inMonth = dom.values.has(date.getUTCDate());
    const inWeek = dow.values.has(date.getUTCDay());
    if (dom.any && dow.any) return true;
    if (dom.any) return inWeek;
    if (dow.any) return inMonth;
    return inMonth || inWeek;
  };

  return {
    next(after: Date): Date {
      const t = new Date(after.getTime());
      t.setUTCSeconds(0, 0);
      t.setUTCMinutes(t.getUTCMinutes() + 1);
      // Five years of minutes at most: a schedule like `0 0 30 2 *` never fires.
      const limit = after.getTime() + 5 * 366 * 24 * 3_600_000;
      while (t.getTime() <= limit) {
        if (!month.values.has(t.getUTCMonth() + 1)) {
          t.setUTCMonth(t.getUTCMonth() + 1, 1);
          t.setUTCHours(0, 0);
          continue;
        }
        if (!dayMatches(t)) {
          t.setUTCDate(t.getUTCDate() + 1);
          t.setUTCHours(0, 0);
          continue;
        }
        if (!hour.values.has(t.getUTCHours())) {
          t.setUTCHours(t.getUTCHours() + 1, 0);
          continue;
        }
        if (!minute.values.has(t.getUTCMinutes())) {
          t.setUTCMinutes(t.getUTCMinutes() + 1);
          continue;
        }
        return t;
      }
      throw new Error(`"${expression}" never fires`);
    },
  };
}
