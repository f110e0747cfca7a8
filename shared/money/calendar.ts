/*
 * The calendar money is counted in: budgets and usage run per UTC month, the daily quota per UTC day, whatever the
 * user's time zone, so every function (and every region) agrees on which month and day a write belongs to.
 */

/** `YYYY-MM` of a date in UTC. */
export function monthOf(date: Date): string {
  return date.toISOString().slice(0, 7);
}

/** `YYYY-MM-DD` of a date in UTC. */
export function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** A `YYYY-MM` month, 2000-01 to 2999-12. */
export const MONTH_PATTERN = /^2\d{3}-(0[1-9]|1[0-2])$/;
