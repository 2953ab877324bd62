/**
 * What people read: relative times, masked tokens, and styling that only a terminal gets. Human text goes
 * to stdout (login, status, refresh, logout, profiles); when stdout is not a terminal it is plain lines
 * without a single control character, so logs and pipes stay clean.
 */
import { DateTime, Duration, Option } from "effect"

export const isTerminal = (stream: NodeJS.WriteStream = process.stdout): boolean =>
  stream.isTTY === true && process.env.TERM !== "dumb"

export const bold = (text: string, terminal = isTerminal()) => (terminal ? `\x1b[1m${text}\x1b[22m` : text)

/** `4:59` under an hour, `1:02:03` above. */
export const clock = (seconds: number): string => {
  const s = Math.max(0, Math.floor(seconds))
  const pad = (n: number) => String(n).padStart(2, "0")
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60]
  return h > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`
}

const units: ReadonlyArray<readonly [string, number]> = [
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
  ["second", 1]
]

/** "in 14 minutes", "3 hours ago": the largest whole unit. */
export const relative = (now: DateTime.Utc, at: DateTime.Utc): string => {
  const seconds = Math.round(Duration.toSeconds(DateTime.distanceDuration(now, at)))
  const future = DateTime.lessThanOrEqualTo(now, at)
  const [unit, size] = units.find(([, size]) => seconds >= size) ?? ["second", 1]
  const n = Math.floor(seconds / size)
  const amount = `${n} ${unit}${n === 1 ? "" : "s"}`
  return future ? `in ${amount}` : `${amount} ago`
}

/** "2026-12-01 23:05:00 UTC (in 14 minutes)", or "no expiry" for tokens without one. */
export const validUntil = (now: DateTime.Utc, expiresAt: Option.Option<DateTime.Utc>): string =>
  Option.match(expiresAt, {
    onNone: () => "no expiry known (a personal or service access token)",
    onSome: (at) =>
      `${DateTime.formatIso(at)
        .replace("T", " ")
        .replace(/\.\d+Z$|Z$/, "")} UTC (${relative(now, at)})`
  })

/** At most the first and last four characters of a secret: enough to tell two tokens apart. */
export const mask = (secret: string): string => (secret.length < 16 ? "…" : `${secret.slice(0, 4)}…${secret.slice(-4)}`)

export const toIso = (instant: Option.Option<DateTime.Utc>): string | null =>
  Option.match(instant, { onNone: () => null, onSome: DateTime.formatIso })

/** Erases the current terminal line (the countdown) before something else is written there. */
export const clearLine = "\r\x1b[2K"
