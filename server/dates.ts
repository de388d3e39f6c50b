// The one calendar check: JavaScript's Date rolls 2025-02-30 over to March 2.
/** Whether year-month-day is a day the calendar has. */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day))
  return month >= 1 && month <= 12 && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}
