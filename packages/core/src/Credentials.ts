/**
 * The service programs use: `token` hands out a valid access token, refreshing it when due, exactly once
 * however many fibers (or processes sharing a store) ask at the same moment.
 *
 * @since 0.1.0
 */
import {
  Cache,
  Clock,
  Context,
  Data,
  type DateTime,
  Deferred,
  Duration,
  Effect,
  Equal,
  Exit,
  Layer,
  Option,
  type Redacted,
  Ref
} from "effect"
import { type CozeError, NotAuthenticated } from "./CozeError.js"
import * as Deadline from "./Deadline.js"
import { type Flow, Token } from "./Token.js"
import { TokenStore } from "./TokenStore.js"

/**
 * How a profile's credential is obtained and renewed.
 *
 * - `Static`: a PAT or SAT; never refreshed.
 * - `Refreshable`: a user token from web, PKCE or device login, stored by the login and renewed with its
 *   rotating refresh token.
 * - `Mint`: a service app that signs a new JWT for every token (no refresh token exists).
 *
 * @since 0.1.0
 * @category Models
 */
export type Source = Data.TaggedEnum<{
  Static: { readonly token: Token }
  Refreshable: {
    readonly flow: Flow
    readonly refresh: (refreshToken: Redacted.Redacted) => Effect.Effect<Token, CozeError>
  }
  Mint: { readonly mint: Effect.Effect<Token, CozeError> }
}>

/**
 * @since 0.1.0
 * @category Constructors
 */
export const Source = Data.taggedEnum<Source>()

/**
 * What a profile's credential looks like, without any secret.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Status {
  readonly profile: string
  readonly flow: Flow
  readonly authenticated: boolean
  readonly expiresAt: Option.Option<DateTime.Utc>
  readonly refreshable: boolean
  /** Where the credential is stored ("memory", a file path). */
  readonly location: string
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  readonly profile: string
  /**
   * A token valid for at least the refresh margin (or `minValidSeconds`), renewed first when needed. No token
   * can give more than its lifetime, so `minValidSeconds` is capped at the lifetime less the margin (at least
   * a second): a just-renewed token always satisfies it, and asking too much renews at most once per margin,
   * never on every call.
   */
  readonly token: (options?: { readonly minValidSeconds?: number | undefined }) => Effect.Effect<Token, CozeError>
  /** Renews now, whatever the expiry (unless another fiber or process renewed since this one last looked). */
  readonly refresh: Effect.Effect<Token, CozeError>
  /**
   * Renews because the server rejected `rejected`; when the credential has moved on since (a concurrent
   * request already renewed it), hands out the new one instead, so a burst of 401s costs one renewal.
   */
  readonly refreshRejected: (rejected: Token) => Effect.Effect<Token, CozeError>
  readonly status: Effect.Effect<Status, CozeError>
  /** Forgets the stored credential; `true` when there was one. */
  readonly logout: Effect.Effect<boolean, CozeError>
}

/**
 * @since 0.1.0
 * @category Context
 */
export class Credentials extends Context.Tag("@coze-auth/core/Credentials")<Credentials, Service>() {}

/**
 * How long before expiry a token is renewed: 10% of its lifetime, at least 5 seconds and at most 5 minutes;
 * tokens living under 30 seconds get no margin (a margin would eat most of their life). A 15-minute Coze
 * token is renewed 90 s early, a 24-hour JWT token 5 min early, a 60 s token 6 s early.
 *
 * @since 0.1.0
 * @category Refresh
 */
export const refreshMargin = (lifetime: Duration.DurationInput): Duration.Duration => {
  const millis = Duration.toMillis(lifetime)
  if (millis < 30_000) return Duration.zero
  return Duration.millis(Math.min(300_000, Math.max(5_000, Math.round(millis / 10))))
}

/** A token with its expiry, margin and most a caller may ask of it, as millis: the hot path is one comparison. */
interface Held {
  readonly token: Token
  readonly expiresAt: number
  readonly margin: number
  /** The most life a renewal can promise: the lifetime less the margin, at least a second. */
  readonly most: number
}

const hold = (token: Token): Held => {
  const lifetime = Option.match(token.lifetime, { onNone: () => Number.POSITIVE_INFINITY, onSome: Duration.toMillis })
  const margin = Option.match(token.lifetime, { onNone: () => 0, onSome: (_) => Duration.toMillis(refreshMargin(_)) })
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
const isFresh = (held: Held, now: number, minValidSeconds: number | undefined): boolean =>
  now + (minValidSeconds === undefined ? held.margin : Math.min(minValidSeconds * 1000, held.most)) < held.expiresAt

const sameToken = (a: Token, b: Token): boolean => Equal.equals(a.accessToken, b.accessToken)

/** Why a renewal runs: `force` renews even a fresh token, unless someone else renewed since `seen`. */
interface Need {
  readonly force: boolean
  readonly seen: Option.Option<Token>
  readonly minValidSeconds: number | undefined
}

const loginAgain = (profile: string, description: string) =>
  new NotAuthenticated({ profile, description, hint: `log in again for profile "${profile}"` })

/**
 * Credentials for one profile. `Static` tokens are handed out as they are; `Refreshable` tokens are read
 * from the `TokenStore` (a login put them there) and renewed with their refresh token; `Mint` tokens are
 * minted on first use and again when due, and kept in the store so other processes reuse them.
 *
 * Renewal happens once per profile at a time: concurrent callers join the one renewal in flight and share
 * its result or its error. It runs under `TokenStore.withLock` and re-reads the store first, so a process
 * that finds the credential already renewed by another one uses it instead of spending the refresh token.
 * The new credential is written to the store before anyone receives it; a refresh token the server
 * rejects (`InvalidGrant`) is removed and reported as `NotAuthenticated`. When that write fails, the call
 * fails with the `TokenStoreError` but the renewed credential (whose refresh token is now the only live
 * one) is kept in memory, and the next renewal stores it instead of refreshing again.
 *
 * Deadlines (`Deadline`): each call waits at most `token` (60 s); the renewal runs apart from its callers for
 * at most `renewal` (2 min) — lock wait, request and write — and the request spending the refresh token is
 * read for all of it, so an answer that comes after the caller gave up is still stored for the next call.
 * After a renewal failed or ran out of time, the next call starts a new one.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: {
  readonly profile: string
  readonly source: Source
}): Effect.Effect<Service, never, TokenStore> =>
  Effect.gen(function* () {
    const { profile, source } = options
    const store = yield* TokenStore
    const held = yield* Ref.make<Option.Option<Held>>(
      source._tag === "Static" ? Option.some(hold(source.token)) : Option.none()
    )
    const inFlight = yield* Ref.make(Option.none<Flight>())
    // Renewed but not yet stored (the write failed): it holds the live refresh token, so it is never lost.
    const unsaved = yield* Ref.make(Option.none<Token>())

    const keep = (token: Token) => Effect.as(Ref.set(held, Option.some(hold(token))), token)

    const freshAt = (token: Token, need: Need) =>
      Effect.map(Clock.currentTimeMillis, (now) =>
        need.force
          ? Option.match(need.seen, { onNone: () => false, onSome: (seen) => !sameToken(seen, token) })
          : isFresh(hold(token), now, need.minValidSeconds)
      )

    const refreshWith = (
      current: Option.Option<Token>,
      refresh: (rt: Redacted.Redacted) => Effect.Effect<Token, CozeError>
    ) =>
      Effect.gen(function* () {
        if (Option.isNone(current)) return yield* loginAgain(profile, `no credential stored for profile "${profile}"`)
        const refreshToken = current.value.refreshToken
        if (Option.isNone(refreshToken)) {
          return yield* loginAgain(profile, `the credential of profile "${profile}" expired and has no refresh token`)
        }
        // The answer holds the only live refresh token once the server has spent this one: it is read for
        // as long as the renewal may last, not cut at the request deadline.
        const { renewal } = yield* Deadline.Deadlines
        const renewed = yield* refresh(refreshToken.value).pipe(
          Deadline.withDeadlines({ request: renewal }),
          Effect.catchTag("InvalidGrant", () =>
            Effect.zipRight(
              store.remove(profile),
              loginAgain(profile, `the refresh token of profile "${profile}" was rejected (used, revoked or expired)`)
            )
          )
        )
        // Coze always rotates; a server that does not keeps the old refresh token valid, so keep it.
        return Option.isSome(renewed.refreshToken) ? renewed : new Token({ ...renewed, refreshToken })
      })

    // Runs under the store's lock: store what an earlier renewal could not, re-read, renew only if still
    // needed, persist before returning.
    const renewLocked = (need: Need, obtain: (stored: Option.Option<Token>) => Effect.Effect<Token, CozeError>) =>
      Effect.gen(function* () {
        const pending = yield* Ref.get(unsaved)
        if (Option.isSome(pending)) {
          yield* store.set(profile, pending.value)
          yield* Ref.set(unsaved, Option.none())
        }
        const stored = yield* store.get(profile)
        if (Option.isSome(stored) && (yield* freshAt(stored.value, need))) return stored.value
        const renewed = yield* obtain(stored)
        yield* store.set(profile, renewed).pipe(Effect.tapError(() => Ref.set(unsaved, Option.some(renewed))))
        yield* Effect.logDebug("coze-auth: credential renewed").pipe(
          Effect.annotateLogs({ profile, flow: renewed.flow, expiresAt: String(Option.getOrNull(renewed.expiresAt)) })
        )
        return renewed
      })

    const renew = (need: Need): Effect.Effect<Token, CozeError> =>
      Effect.gen(function* () {
        if (source._tag === "Static") return source.token
        // A look without the lock first: another process may have renewed already.
        const stored = need.force ? Option.none() : yield* store.get(profile)
        if (Option.isSome(stored) && (yield* freshAt(stored.value, need))) return stored.value
        const obtain =
          source._tag === "Mint"
            ? () => source.mint
            : (current: Option.Option<Token>) => refreshWith(current, source.refresh)
        return yield* store.withLock(profile, renewLocked(need, obtain))
      })

    // Single flight: the first caller starts the renewal in a daemon fiber, so that a caller who gives up (its
    // `token` deadline, an interruption) does not abandon a rotated refresh token half-way; everyone awaits the
    // same Deferred for at most `token`. The renewal itself is interruptible and bounded by `renewal` (its
    // lock is released however it ends); only the bookkeeping around it is not.
    const lead = (need: Need): Effect.Effect<Token, CozeError> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const mine = yield* Deferred.make<Token, CozeError>()
          const [flight, leader] = yield* Ref.modify(inFlight, (current): [Joined, Option.Option<Flight>] =>
            Option.isSome(current) ? [[current.value, false], current] : [[mine, true], Option.some(mine)]
          )
          if (leader) {
            const { renewal } = yield* Deadline.Deadlines
            yield* renew(need).pipe(
              Effect.tap(keep),
              Deadline.within(renewal, (took) => `the renewal of profile "${profile}" did not finish within ${took}`),
              Effect.interruptible,
              Effect.exit,
              Effect.flatMap((exit) => Effect.zipRight(Ref.set(inFlight, Option.none()), Deferred.done(mine, exit))),
              Effect.forkDaemon
            )
          }
          return yield* restore(awaitFlight(flight))
        })
      )

    const awaitFlight = (flight: Flight) =>
      Effect.flatMap(Deadline.Deadlines, ({ token }) =>
        Deferred.await(flight).pipe(
          Deadline.within(
            token,
            (took) => `no token for profile "${profile}" within ${took}`,
            "the renewal goes on in the background and stores its answer if one comes; try again shortly"
          )
        )
      )

    // Joining a flight already under way needs no Deferred of its own.
    const shared = (need: Need): Effect.Effect<Token, CozeError> =>
      Effect.flatMap(Ref.get(inFlight), (current) => (Option.isSome(current) ? awaitFlight(current.value) : lead(need)))

    const token: Service["token"] = (tokenOptions) => {
      const minValidSeconds = tokenOptions?.minValidSeconds
      return Effect.flatMap(Ref.get(held), (current) =>
        Option.isSome(current)
          ? Effect.flatMap(Clock.currentTimeMillis, (now) =>
              isFresh(current.value, now, minValidSeconds)
                ? Effect.succeed(current.value.token)
                : shared({ force: false, seen: Option.some(current.value.token), minValidSeconds })
            )
          : shared({ force: false, seen: Option.none(), minValidSeconds })
      )
    }

    const refresh: Service["refresh"] = Effect.flatMap(Ref.get(held), (current) =>
      shared({ force: true, seen: Option.map(current, (_) => _.token), minValidSeconds: undefined })
    )

    const refreshRejected: Service["refreshRejected"] = (rejected) =>
      Effect.flatMap(Ref.get(held), (current) =>
        Option.isSome(current) && !sameToken(current.value.token, rejected)
          ? Effect.succeed(current.value.token)
          : shared({ force: true, seen: Option.some(rejected), minValidSeconds: undefined })
      )

    const status: Service["status"] = Effect.gen(function* () {
      const current = source._tag === "Static" ? Option.some(source.token) : yield* store.get(profile)
      return {
        profile,
        flow: source._tag === "Static" ? source.token.flow : source._tag === "Mint" ? "jwt" : source.flow,
        authenticated: Option.isSome(current),
        expiresAt: Option.flatMap(current, (_) => _.expiresAt),
        refreshable: source._tag === "Mint" || Option.exists(current, (_) => _.refreshable),
        location: source._tag === "Static" ? "static" : store.location(profile)
      }
    })

    const logout: Service["logout"] =
      source._tag === "Static"
        ? Effect.succeed(false)
        : Effect.zipLeft(
            store.withLock(profile, store.remove(profile)),
            Effect.zipRight(Ref.set(held, Option.none()), Ref.set(unsaved, Option.none()))
          )

    return { profile, token, refresh, refreshRejected, status, logout }
  })

type Flight = Deferred.Deferred<Token, CozeError>

/** The flight a caller awaits, and whether it started it. */
type Joined = readonly [Flight, boolean]

/**
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: {
  readonly profile: string
  readonly source: Source
}): Layer.Layer<Credentials, never, TokenStore> => Layer.effect(Credentials, make(options))

/**
 * Tokens for many end users of one service app, keyed by whatever identifies the session (for JWT apps:
 * `session_name`, account, enterprise and scope — build the key with `Data.struct` so equal keys match).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Keyed<Key> {
  /** A token for `key`, minted on first use and again when due; concurrent callers share one mint. */
  readonly token: (
    key: Key,
    options?: { readonly minValidSeconds?: number | undefined }
  ) => Effect.Effect<Token, CozeError>
  /** Drops the cached token of `key` (after the API rejected it, say). */
  readonly invalidate: (key: Key) => Effect.Effect<void>
  /** How many keys hold a token now. */
  readonly size: Effect.Effect<number>
}

/**
 * A bounded cache of minted tokens, one entry per key (coze-java #76: one client per end user should not
 * be needed). Each entry lives until its refresh margin; the least recently used entries go first when
 * `capacity` (default 10,000) is reached; a failed mint is not cached.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const makeKeyed = <Key>(options: {
  readonly mint: (key: Key) => Effect.Effect<Token, CozeError>
  readonly capacity?: number | undefined
}): Effect.Effect<Keyed<Key>> =>
  Effect.gen(function* () {
    const cache = yield* Cache.makeWith({
      capacity: options.capacity ?? 10_000,
      lookup: options.mint,
      timeToLive: (exit) =>
        Exit.isSuccess(exit)
          ? Option.match(exit.value.lifetime, {
              onNone: () => Duration.infinity,
              onSome: (lifetime) => Duration.subtract(lifetime, refreshMargin(lifetime))
            })
          : Duration.zero
    })
    const token: Keyed<Key>["token"] = (key, tokenOptions) =>
      Effect.gen(function* () {
        // A failure stays cached for the instant it happened (TTL 0 at an unmoved clock): drop it now.
        const cached = yield* Effect.tapError(cache.get(key), () => cache.invalidate(key))
        const minValidSeconds = tokenOptions?.minValidSeconds
        if (minValidSeconds === undefined || isFresh(hold(cached), yield* Clock.currentTimeMillis, minValidSeconds)) {
          return cached
        }
        return yield* cache.refresh(key).pipe(Effect.zipRight(cache.get(key)))
      })
    return { token, invalidate: (key) => cache.invalidate(key), size: cache.size }
  })
