/**
 * Metric periods: the window of time whose usage counts against an allocation, and when it resets. All
 * boundaries are at 00:00 UTC, so a period is a whole number of days of the `usage_daily` rollup.
 */

export type MetricPeriod = "all_time" | "current_day" | "current_week" | "current_month"
export type MonthReset = "first_of_month" | "billing_cycle"

export const DAY = 86_400_000

export interface Window {
  /** The first millisecond that counts (0 for all time). */
  readonly start: number
  /** When the period resets; null for all time. */
  readonly resetAt: number | null
}

const startOfDay = (t: number) => t - (((t % DAY) + DAY) % DAY)

/** The `day` of a month at 00:00 UTC, clamped to the month's last day (the 31st in April is the 30th). */
const dayOfMonth = (year: number, month: number, day: number) => {
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate()
  return Date.UTC(year, month, Math.min(day, last))
}

/**
 * The period containing `now`. Weeks start on Monday. `billing_cycle` months run from the day of the month the
 * company's base plan was assigned (`anchor`); a company without a base plan resets on the first of the month.
 */
export const windowAt = (period: MetricPeriod, monthReset: MonthReset, now: number, anchor: number | null): Window => {
  switch (period) {
    case "all_time":
      return { start: 0, resetAt: null }
    case "current_day": {
      const start = startOfDay(now)
      return { start, resetAt: start + DAY }
    }
    case "current_week": {
      const today = startOfDay(now)
      const sinceMonday = (new Date(today).getUTCDay() + 6) % 7
      const start = today - sinceMonday * DAY
      return { start, resetAt: start + 7 * DAY }
    }
    case "current_month": {
      const date = new Date(now)
      const year = date.getUTCFullYear()
      const month = date.getUTCMonth()
      const day = monthReset === "billing_cycle" && anchor !== null ? new Date(anchor).getUTCDate() : 1
      let start = dayOfMonth(year, month, day)
      if (start > now) start = dayOfMonth(year, month - 1, day)
      const startDate = new Date(start)
      return { start, resetAt: dayOfMonth(startDate.getUTCFullYear(), startDate.getUTCMonth() + 1, day) }
    }
  }
}
