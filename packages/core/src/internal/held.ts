/** The refresh-margin policy and a token as the hot path holds it. */
import { Duration, Equal, Option } from "effect"
import type { Token } from "../Token.js"

/** See `Credentials.refreshMargin`. */
export const refreshMargin = (lifetime: Duration.DurationInput): Duration.Duration => {
  const millis = Duration.toMillis(lifetime)
  if (millis < 30_000) return Duration.zero
  return Duration.millis(Math.min(300_000, Math.max(5_000, Math.round(millis / 10))))
}

/** A token with its expiry, margin and most a caller may ask of it, as millis: the hot path is one comparison. */
export interface Held {
  readonly token: Token
  readonly expiresAt: number
  readonly margin: number
  /** The most life a renewal can promise: the lifetime less the margin, at least a second. */
  readonly most: number
}

export const hold = (token: Token): Held => {
  const known = token.lifetime
  const lifetime = Option.match(known, { onNone: () => Number.POSITIVE_INFINITY, onSome: Duration.toMillis })
  const margin = Option.match(known, { onNone: () => 0, onSome: (_) => Duration.toMillis(refreshMargin(_)) })
  return {
    token,
    expiresAt: Option.match(token.expiresAt, {
      onNone: () => Number.POSITIVE_INFINITY,
      onSome: (at) => at.epochMillis
    }),
    margin,
    most: lifetime - Math.max(margin, 1000)
  }
}

// Asking more than `most` would renew on every call: no new token could give it.
export const isFresh = (held: Held, now: number, minValidSeconds: number | undefined): boolean =>
  now + (minValidSeconds === undefined ? held.margin : Math.min(minValidSeconds * 1000, held.most)) < held.expiresAt

export const sameToken = (a: Token, b: Token): boolean => Equal.equals(a.accessToken, b.accessToken)
