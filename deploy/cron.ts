/*
 * EventBridge Scheduler cron expressions: parsed, matched against local dates
 * and times, and checked against a time zone's daylight-saving gaps.
 *
 * Syntax (EventBridge Scheduler user guide, "Schedule types" > cron-based
 * schedules): six fields, minutes (0-59) hours (0-23) day-of-month (1-31)
 * month (1-12 or JAN-DEC) day-of-week (1-7 or SUN-SAT, 1 = Sunday) year
 * (1970-2199); wildcards `,` `-` `*` `/` in every field, `?` in one of the two
 * day fields, `L` (last day of the month / week, `nL` the last weekday n of the
 * month), `W` (`nW`, the weekday nearest day n) and `#` (`d#k`, the k-th weekday
 * d of the month).
 *
 * Daylight saving time: Scheduler evaluates the expression in the schedule's
 * time zone; "when time shifts forward in the Spring, if a cron expression
 * falls on a non-existent date and time, your schedule invocation is skipped.
 * When time shifts backwards in the Fall, your schedule runs only once" (the
 * first time, before the shift): EventBridge Scheduler User Guide, "Daylight
 * savings time on EventBridge Scheduler",
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#daylist-savings-time;
 * the same in the AWS re:Post knowledge center, "How can I adjust my Amazon
 * EventBridge schedule for daylight saving?").
 *
 * Loaded by osls through deploy/stage-config.ts: erasable TypeScript only, no imports.
 */

export interface Cron {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  months: ReadonlySet<number>;
  /** Undefined: every year. */
  years: ReadonlySet<number> | undefined;
  /** Whether the day fields select this date. */
  matchesDay(year: number, month: number, day: number): boolean;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

class CronSyntaxError extends Error {}

const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
/** 1 = Sunday … 7 = Saturday, as the cron day-of-week field counts. */
const weekdayOf = (year: number, month: number, day: number) =>
  new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;

function numberIn(text: string, field: string, min: number, max: number, names?: string[]): number {
  const named = names?.indexOf(text.toUpperCase()) ?? -1;
  const value = named >= 0 ? named + min : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new CronSyntaxError(
      `${field} "${text}" is not ${min}-${max}${names ? ` or ${names[0]}-${names.at(-1)}` : ''}`,
    );
  }
  return value;
}

/** A field of `*`, `a`, `a-b`, with an optional `/step`, comma-separated. */
function numbers(text: string, field: string, min: number, max: number, names?: string[]): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined || range === undefined || range === '')
      throw new CronSyntaxError(`${field} "${part}" is not valid`);
    const step = stepText === undefined ? 1 : numberIn(stepText, `${field} step`, 1, max - min + 1);
    let from: number;
    let to: number;
    if (range === '*') {
      from = min;
      to = max;
    } else {
      const [a, b, more] = range.split('-');
      if (more !== undefined || a === undefined) throw new CronSyntaxError(`${field} "${part}" is not valid`);
      from = numberIn(a, field, min, max, names);
      to = b === undefined ? (stepText === undefined ? from : max) : numberIn(b, field, min, max, names);
      if (to < from) throw new CronSyntaxError(`${field} range "${range}" runs backwards`);
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/** Day-of-month: numbers, `L`, `nW`, or `?` (any: the day-of-week field decides). */
function dayOfMonthRule(text: string): (y: number, m: number, d: number) => boolean {
  if (text === '?') return () => true;
  const rules = text.split(',').map((part): ((y: number, m: number, d: number) => boolean) => {
    if (part === 'L') return (y, m, d) => d === daysInMonth(y, m);
    const weekday = /^(\d+)W$/.exec(part);
    if (weekday) {
      const target = numberIn(weekday[1]!, 'day-of-month', 1, 31);
      return (y, m, d) => d === nearestWeekday(y, m, target);
    }
    const days = numbers(part, 'day-of-month', 1, 31);
    return (_y, _m, d) => days.has(d);
  });
  return (y, m, d) => rules.some((rule) => rule(y, m, d));
}

/** The weekday (Monday-Friday) nearest to day `target` of the month, not leaving the month. */
function nearestWeekday(year: number, month: number, target: number): number {
  const last = daysInMonth(year, month);
  const day = Math.min(target, last);
  const weekday = weekdayOf(year, month, day);
  if (weekday === 7) return day === 1 ? 3 : day - 1; // Saturday: Friday, or Monday the 3rd
  if (weekday === 1) return day === last ? day - 2 : day + 1; // Sunday: Monday, or Friday before
  return day;
}

/** Day-of-week: numbers or names, `L` (Saturday), `nL` (last weekday n of the month), `d#k`, or `?`. */
function dayOfWeekRule(text: string): (y: number, m: number, d: number) => boolean {
  if (text === '?') return () => true;
  const rules = text.split(',').map((part): ((y: number, m: number, d: number) => boolean) => {
    if (part === 'L') return (y, m, d) => weekdayOf(y, m, d) === 7;
    const last = /^(\w+)L$/.exec(part);
    if (last) {
      const weekday = numberIn(last[1]!, 'day-of-week', 1, 7, DAYS);
      return (y, m, d) => weekdayOf(y, m, d) === weekday && d + 7 > daysInMonth(y, m);
    }
    const nth = /^(\w+)#(\d)$/.exec(part);
    if (nth) {
      const weekday = numberIn(nth[1]!, 'day-of-week', 1, 7, DAYS);
      const k = numberIn(nth[2]!, 'day-of-week instance', 1, 5);
      return (y, m, d) => weekdayOf(y, m, d) === weekday && Math.ceil(d / 7) === k;
    }
    const days = numbers(part, 'day-of-week', 1, 7, DAYS);
    return (y, m, d) => days.has(weekdayOf(y, m, d));
  });
  return (y, m, d) => rules.some((rule) => rule(y, m, d));
}

/**
 * Parses the six fields of an EventBridge Scheduler cron expression (without `cron(…)`).
 * @returns the expression, or the problem with it.
 */
export function parseCron(expression: string): Cron | string {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) {
    return `needs 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`;
  }
  const [minute, hour, dayOfMonth, month, dayOfWeek, year] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if ((dayOfMonth === '?') === (dayOfWeek === '?'))
    return 'exactly one of day-of-month and day-of-week must be "?"';
  try {
    const dom = dayOfMonthRule(dayOfMonth);
    const dow = dayOfWeekRule(dayOfWeek);
    return {
      minutes: numbers(minute, 'minutes', 0, 59),
      hours: numbers(hour, 'hours', 0, 23),
      months: numbers(month, 'month', 1, 12, MONTHS),
      years: year === '*' ? undefined : numbers(year, 'year', 1970, 2199),
      matchesDay: (y, m, d) => dom(y, m, d) && dow(y, m, d),
    };
  } catch (error) {
    if (error instanceof CronSyntaxError) return error.message;
    throw error;
  }
}

/** Whether the expression fires at this local date and time (wall clock in its time zone). */
export function firesAt(cron: Cron, local: LocalTime): boolean {
  return (
    cron.minutes.has(local.minute) &&
    cron.hours.has(local.hour) &&
    cron.months.has(local.month) &&
    (cron.years === undefined || cron.years.has(local.year)) &&
    cron.matchesDay(local.year, local.month, local.day)
  );
}

export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/** A run the time zone's clock change skips. */
export interface SkippedRun {
  /** The local date, YYYY-MM-DD. */
  date: string;
  /** The local time the expression names, HH:MM: it does not exist that day. */
  time: string;
  /** The skipped stretch of the clock that day: from `gapStart` up to (not including) `gapEnd`, HH:MM. */
  gapStart: string;
  gapEnd: string;
  /** The same minute past the hour, just outside the gap: after it, and before it. */
  after: string;
  before: string;
}

const MINUTE = 60_000;
const pad = (n: number) => String(n).padStart(2, '0');
const clock = (wall: number) => {
  const d = new Date(wall);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
};

/** The zone's UTC offset at an instant, in minutes, from the platform's time zone data (Intl / ICU). */
function offsetFinder(timeZone: string): (instant: number) => number {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  });
  return (instant) => {
    const at = Math.floor(instant / MINUTE) * MINUTE;
    const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, Number(p.value)]));
    const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!);
    return Math.round((wall - at) / MINUTE);
  };
}

/** A stretch of wall-clock time that does not exist: [start, end), as UTC-epoch readings of the clock. */
interface Gap {
  start: number;
  end: number;
}

const gapCache = new Map<string, Gap[]>();

/** The clock's forward jumps in `timeZone` from `from` for `years` years (computed once per zone and period). */
function gapsOf(timeZone: string, from: Date, years: number): Gap[] {
  const key = `${timeZone} ${from.toISOString()} ${years}`;
  const cached = gapCache.get(key);
  if (cached) return cached;
  const offsetAt = offsetFinder(timeZone);
  const end = Date.UTC(from.getUTCFullYear() + years, from.getUTCMonth(), from.getUTCDate());
  const step = 6 * 60 * MINUTE;
  const gaps: Gap[] = [];
  let before = offsetAt(from.getTime());
  for (let t = from.getTime(); t < end; t += step) {
    const after = offsetAt(t + step);
    if (after > before) {
      // The first minute with the new offset.
      let lo = t;
      let hi = t + step;
      while (hi - lo > MINUTE) {
        const mid = lo + Math.floor((hi - lo) / MINUTE / 2) * MINUTE;
        if (offsetAt(mid) === before) lo = mid;
        else hi = mid;
      }
      // The clock reads from hi + before to hi + after in no time: those readings never appear.
      gaps.push({ start: hi + before * MINUTE, end: hi + after * MINUTE });
    }
    // after < before: the clock went back and an hour repeats; Scheduler runs once in it.
    before = after;
  }
  gapCache.set(key, gaps);
  return gaps;
}

/**
 * The runs a schedule loses to the clock going forward: every local time the
 * expression names that does not exist in `timeZone` on its day, between `from`
 * and `years` years later, in date order.
 */
export function skippedRuns(cron: Cron, timeZone: string, from: Date, years: number): SkippedRun[] {
  const skipped: SkippedRun[] = [];
  for (const gap of gapsOf(timeZone, from, years)) {
    const hours = Math.ceil((gap.end - gap.start) / (60 * MINUTE));
    for (let wall = gap.start; wall < gap.end; wall += MINUTE) {
      const d = new Date(wall);
      const local = {
        year: d.getUTCFullYear(),
        month: d.getUTCMonth() + 1,
        day: d.getUTCDate(),
        hour: d.getUTCHours(),
        minute: d.getUTCMinutes(),
      };
      if (!firesAt(cron, local)) continue;
      skipped.push({
        date: `${local.year}-${pad(local.month)}-${pad(local.day)}`,
        time: clock(wall),
        gapStart: clock(gap.start),
        gapEnd: clock(gap.end),
        after: clock(wall + hours * 60 * MINUTE),
        before: clock(wall - hours * 60 * MINUTE),
      });
    }
  }
  return skipped;
}
