/**
 * The service programs use: `token` hands out a valid access token, refreshing it when due, exactly once
 * however many fibers (or processes sharing a store) ask at the same moment.
 *
 * @since 0.1.0
 */
import { Clock, Context, Data, type DateTime, type Duration, Effect, Layer, Option, type Redacted } from "effect"
import type { CozeError } from "./CozeError.js"
import * as held from "./internal/held.js"
import * as Renewal from "./internal/renewal.js"
import { withSpan } from "./internal/tracing.js"
import * as KeyedCredentials from "./KeyedCredentials.js"
import type { Flow, Token } from "./Token.js"
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
  /**
   * The token `token` would hand out without renewing, read on the spot, outside any fiber; `None` when it
   * would renew first (call `token` then). For code that answers synchronously where it can (the MCP server's
   * `token` tool): it skips the fiber a call of `token` runs in. Reads the clock of the fiber that made the
   * service.
   */
  readonly unsafeFreshToken: (options?: { readonly minValidSeconds?: number | undefined }) => Option.Option<Token>
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
 * A valid token for one profile, renewed when due. From `packages/node/examples/device-login.ts`, run by the
 * test suite (the device flow refreshes the credential a login stored):
 *
 * @example
 * ```ts
 * import * as AuthHttpClient from "@coze-auth/core/AuthHttpClient"
 * import * as Credentials from "@coze-auth/core/Credentials"
 * import * as DeviceOAuth from "@coze-auth/core/DeviceOAuth"
 * import { Effect, Layer } from "effect"
 *
 * export const MainLayer = Layer.unwrapEffect(
 *   Effect.map(DeviceOAuth.DeviceOAuth, (device) =>
 *     AuthHttpClient.layer({ region: device.region }).pipe(
 *       Layer.provideMerge(
 *         Credentials.layer({
 *           profile: "default",
 *           source: Credentials.Source.Refreshable({ flow: "device", refresh: device.refresh })
 *         })
 *       )
 *     )
 *   )
 * )
 * // then, anywhere: `const token = yield* (yield* Credentials.Credentials).token()`
 * ```
 *
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
export const refreshMargin: (lifetime: Duration.DurationInput) => Duration.Duration = held.refreshMargin

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
 * Deadlines (`Deadline`): each call waits at most `token` (60 s); the renewal runs apart from its callers,
 * waiting for the store's lock at most the store's lock wait and then, once it holds it, at most `renewal`
 * (2 min) — re-read, request and write — and the request spending the refresh token is read for all of it,
 * so an answer that comes after the caller gave up is still stored for the next call.
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
    // `unsafeFreshToken` runs outside any fiber: it reads the clock of the fiber that made the service.
    const clock = yield* Effect.clock
    const renewal = yield* Renewal.make(profile, source, store)
    const attributes = { profile }

    // The hot path: a token in memory that is fresh enough is handed out without a span or a lock.
    const token: Service["token"] = (tokenOptions) => {
      const minValidSeconds = tokenOptions?.minValidSeconds
      return Effect.suspend(() => {
        const current = renewal.held()
        return Option.isSome(current)
          ? Effect.flatMap(Clock.currentTimeMillis, (now) =>
              held.isFresh(current.value, now, minValidSeconds)
                ? Effect.succeed(current.value.token)
                : renewal.renew({ force: false, seen: Option.some(current.value.token), minValidSeconds })
            )
          : renewal.renew({ force: false, seen: Option.none(), minValidSeconds })
      })
    }

    const unsafeFreshToken: Service["unsafeFreshToken"] = (tokenOptions) => {
      const current = renewal.held()
      return Option.isSome(current) &&
        held.isFresh(current.value, clock.unsafeCurrentTimeMillis(), tokenOptions?.minValidSeconds)
        ? Option.some(current.value.token)
        : Option.none()
    }

    const refresh: Service["refresh"] = Effect.suspend(() =>
      renewal.renew({ force: true, seen: Option.map(renewal.held(), (_) => _.token), minValidSeconds: undefined })
    ).pipe(withSpan("Credentials.refresh", { attributes }))

    const refreshRejected: Service["refreshRejected"] = (rejected) =>
      Effect.suspend(() => {
        const current = renewal.held()
        return Option.isSome(current) && !held.sameToken(current.value.token, rejected)
          ? Effect.succeed(current.value.token)
          : renewal.renew({ force: true, seen: Option.some(rejected), minValidSeconds: undefined })
      }).pipe(withSpan("Credentials.refreshRejected", { attributes }))

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
        : Effect.zipLeft(store.withLock(profile, store.remove(profile)), renewal.forget).pipe(
            withSpan("Credentials.logout", { attributes })
          )

    return { profile, token, unsafeFreshToken, refresh, refreshRejected, status, logout }
  })

/**
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: {
  readonly profile: string
  readonly source: Source
}): Layer.Layer<Credentials, never, TokenStore> => Layer.effect(Credentials, make(options))

/**
 * Tokens for many end users of one service app (see `KeyedCredentials`).
 *
 * @since 0.1.0
 * @category Models
 */
export type Keyed<Key> = KeyedCredentials.Keyed<Key>

/**
 * A bounded cache of minted tokens, one entry per key: `KeyedCredentials.make`, kept here under its first name.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const makeKeyed: <Key>(options: {
  readonly mint: (key: Key) => Effect.Effect<Token, CozeError>
  readonly capacity?: number | undefined
}) => Effect.Effect<Keyed<Key>> = KeyedCredentials.make
