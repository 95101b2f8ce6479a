// Five-field cron schedules (minute hour day-of-month month day-of-week) and IANA
// time zones. Parsing here so validation and the scheduler agree on one grammar.

export interface CronSchedule {
  minutes: number[];
  hours: number[];
  daysOfMonth: number[];
  months: number[];
  /** 0 = Sunday … 6 = Saturday (7 in the text also means Sunday). */
  daysOfWeek: number[];
  /** True when the day-of-month field is `*`; cron matches either day field when both are restricted. */
  anyDayOfMonth: boolean;
  anyDayOfWeek: boolean;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] as const;
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;

const FIELDS: readonly FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTH_NAMES },
  { name: "day-of-week", min: 0, max: 7, names: DAY_NAMES },
];

export type CronParseResult = { ok: true; schedule: CronSchedule } | { ok: false; message: string };

/** Parses numbers, names (JAN–DEC, SUN–SAT), ranges, steps (`*\/5`, `1-30/2`) and lists. */
export function parseCron(text: string): CronParseResult {
  const parts = text.trim().split(/\s+/).filter(Boolean);
  if (parts.length !== 5) {
    return {
      ok: false,
      message: `a cron schedule has five fields (minute hour day-of-month month day-of-week), got ${parts.length}`,
    };
  }
  const values: number[][] = [];
  for (const [index, spec] of FIELDS.entries()) {
    const result = parseField(parts[index]!, spec);
    if (typeof result === "string") return { ok: false, message: `${spec.name} field "${parts[index]}": ${result}` };
    values.push(result);
  }
  const [minutes, hours, daysOfMonth, months, rawDaysOfWeek] = values as [
    number[],
    number[],
    number[],
    number[],
    number[],
  ];
  const daysOfWeek = [...new Set(rawDaysOfWeek.map((day) => day % 7))].sort((a, b) => a - b);
  return {
    ok: true,
    schedule: {
      minutes,
      hours,
      daysOfMonth,
      months,
      daysOfWeek,
      anyDayOfMonth: parts[2] === "*",
      anyDayOfWeek: parts[4] === "*",
    },
  };
}

/** Why a schedule is not valid cron, or null. */
export function cronError(text: string): string | null {
  const result = parseCron(text);
  return result.ok ? null : result.message;
}

/** Why a time zone is not a known IANA zone, or null. */
export function timeZoneError(timeZone: string): string | null {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return null;
  } catch {
    return `unknown time zone "${timeZone}"; expected an IANA name such as Europe/Paris or UTC`;
  }
}

/** The sorted values of one field, or a reason it is invalid. */
function parseField(text: string, spec: FieldSpec): number[] | string {
  const values = new Set<number>();
  for (const item of text.split(",")) {
    const [rangeText, stepText, ...extra] = item.split("/");
    if (extra.length > 0 || rangeText === undefined || rangeText === "")
      return `"${item}" is not a value, range or step`;
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1)
        return `step "${stepText}" must be a whole number of at least 1`;
      step = Number(stepText);
    }
    const range = parseRange(rangeText, spec, stepText !== undefined);
    if (typeof range === "string") return range;
    for (let value = range[0]; value <= range[1]; value += step) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

function parseRange(text: string, spec: FieldSpec, stepped: boolean): [number, number] | string {
  if (text === "*") return [spec.min, spec.max];
  const bounds = text.split("-");
  if (bounds.length > 2) return `"${text}" is not a range`;
  const numbers: number[] = [];
  for (const bound of bounds) {
    const value = parseValue(bound, spec);
    if (typeof value === "string") return value;
    numbers.push(value);
  }
  const start = numbers[0]!;
  // `5/15` means "from 5 to the end, every 15" (a common cron extension).
  const end = numbers[1] ?? (stepped ? spec.max : start);
  if (start > end) return `range "${text}" runs backwards`;
  return [start, end];
}

function parseValue(text: string, spec: FieldSpec): number | string {
  const nameIndex = spec.names?.indexOf(text.toUpperCase() as never) ?? -1;
  if (nameIndex >= 0) return spec.name === "month" ? nameIndex + 1 : nameIndex;
  if (!/^\d+$/.test(text)) {
    const names = spec.names ? ` or a name (${spec.names[0]}–${spec.names.at(-1)})` : "";
    return `"${text}" is not a number${names}`;
  }
  const value = Number(text);
  if (value < spec.min || value > spec.max) return `${value} is outside ${spec.min}–${spec.max}`;
  return value;
}
