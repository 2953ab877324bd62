/**
 * The renewal state machine behind `Credentials`: the token held in memory, the one renewal in flight per
 * profile (single flight, in a daemon fiber; `renewal` bounds it once it holds the lock), the store's lock
 * and re-read, and a renewed credential that could not be stored (kept until the next renewal stores it).
 */
import { Clock, Deferred, Duration, Effect, Option, type Redacted, Ref } from "effect"
import { type CozeError, NotAuthenticated, type TokenStoreError } from "../CozeError.js"
import type { Source } from "../Credentials.js"
import * as Deadline from "../Deadline.js"
import { Token } from "../Token.js"
import type * as TokenStore from "../TokenStore.js"
import { type Held, hold, isFresh, sameToken } from "./held.js"
import { withSpan } from "./tracing.js"

/** Why a renewal runs: `force` renews even a fresh token, unless someone else renewed since `seen`. */
export interface Need {
  readonly force: boolean
  readonly seen: Option.Option<Token>
  readonly minValidSeconds: number | undefined
}

export interface Renewal {
  /** The token in memory, if any: a plain read, so a caller outside any fiber can look too. */
  readonly held: () => Option.Option<Held>
  /** Joins the renewal in flight, or starts one; waits for it at most the `token` deadline. */
  readonly renew: (need: Need) => Effect.Effect<Token, CozeError>
  /** Forgets what memory holds (after a logout). */
  readonly forget: Effect.Effect<void>
}

type Flight = Deferred.Deferred<Token, CozeError>

const loginAgain = (profile: string, description: string) =>
  new NotAuthenticated({ profile, description, hint: `log in again for profile "${profile}"` })

export const make = (profile: string, source: Source, store: TokenStore.Service): Effect.Effect<Renewal> =>
  Effect.gen(function* () {
    let held: Option.Option<Held> = source._tag === "Static" ? Option.some(hold(source.token)) : Option.none()
    const inFlight = yield* Ref.make(Option.none<Flight>())
    // Renewed but not yet stored (the write failed): it holds the live refresh token, so it is never lost.
    const unsaved = yield* Ref.make(Option.none<Token>())
    const attributes = {
      profile,
      flow: source._tag === "Static" ? source.token.flow : source._tag === "Mint" ? "jwt" : source.flow
    }

    const keep = (token: Token) =>
      Effect.sync(() => {
        held = Option.some(hold(token))
        return token
      })

    const freshAt = (token: Token, need: Need) =>
      Effect.map(Clock.currentTimeMillis, (now) =>
        need.force
          ? Option.match(need.seen, { onNone: () => false, onSome: (seen) => !sameToken(seen, token) })
          : isFresh(hold(token), now, need.minValidSeconds)
      )

    const storedIfFresh = (need: Need): Effect.Effect<Option.Option<Token>, TokenStoreError> =>
      Effect.flatMap(store.get(profile), (stored) =>
        Option.isSome(stored)
          ? Effect.map(freshAt(stored.value, need), (fresh) => (fresh ? stored : Option.none()))
          : Effect.succeed(stored)
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
        // as long as the renewal may last, not cut at the request deadline. The renewal's own deadline, running
        // since the lock was held, bounds it: the request takes no timer of its own.
        const renewed = yield* refresh(refreshToken.value).pipe(
          Deadline.withDeadlines({ request: Duration.infinity }),
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
    // needed, persist before returning. Bounded by `renewal` from the moment the lock is held, not from the
    // start of the wait for it: a renewal that waited long for the lock must still read the answer to the
    // refresh token it spends, or that answer (the only live refresh token) would be cut off and lost.
    const renewLocked = (need: Need, obtain: (stored: Option.Option<Token>) => Effect.Effect<Token, CozeError>) =>
      Effect.flatMap(Deadline.Deadlines, ({ renewal }) =>
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
          // Only built when Debug is on: formatting the expiry costs more than the rest of this step.
          yield* Effect.whenLogLevel(
            Effect.suspend(() =>
              Effect.logDebug("coze-auth: credential renewed").pipe(
                Effect.annotateLogs({
                  profile,
                  flow: renewed.flow,
                  expiresAt: String(Option.getOrNull(renewed.expiresAt))
                })
              )
            ),
            "Debug"
          )
          return renewed
        }).pipe(Deadline.within(renewal, (took) => `the renewal of profile "${profile}" did not finish within ${took}`))
      ).pipe(withSpan("Credentials.renewLocked", { attributes }))

    const run = (need: Need): Effect.Effect<Token, CozeError> =>
      Effect.gen(function* () {
        if (source._tag === "Static") return source.token
        // A look without the lock first: another process may have renewed already.
        const stored = need.force ? Option.none() : yield* storedIfFresh(need)
        if (Option.isSome(stored)) return stored.value
        const obtain =
          source._tag === "Mint"
            ? () => source.mint
            : (current: Option.Option<Token>) => refreshWith(current, source.refresh)
        // While another process holds the lock, its renewal is ours as soon as it is stored.
        const whileWaiting = Effect.orElseSucceed(storedIfFresh(need), () => Option.none<Token>())
        // The lock span covers the wait for the lock; `renewLocked` starts when it is held.
        return yield* store
          .withLock(profile, renewLocked(need, obtain), { whileWaiting })
          .pipe(withSpan("Credentials.lock", { attributes }))
      })

    const noToken = (took: string) => `no token for profile "${profile}" within ${took}`
    const goesOn = "the renewal goes on in the background and stores its answer if one comes; try again shortly"

    // Single flight, checked once: the first caller starts the renewal in a daemon fiber, so that a caller who
    // gives up (its `token` deadline, an interruption) does not abandon a rotated refresh token half-way;
    // it waits for that fiber (on a plain timer, no fiber of its own), the others for the same outcome through
    // the flight's Deferred, each for at most `token`. The renewal itself is interruptible and bounded by the
    // store's lock wait plus `renewal` (its lock is released however it ends); only the bookkeeping around it
    // is not.
    const renew = (need: Need): Effect.Effect<Token, CozeError> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const mine = yield* Deferred.make<Token, CozeError>()
          const [flight, leader] = yield* Ref.modify(
            inFlight,
            (current): [readonly [Flight, boolean], Option.Option<Flight>] =>
              Option.isSome(current) ? [[current.value, false], current] : [[mine, true], Option.some(mine)]
          )
          const { token } = yield* Deadline.Deadlines
          if (!leader) return yield* restore(Deadline.within(token, noToken, goesOn)(Deferred.await(flight)))
          const renewal = yield* run(need).pipe(
            Effect.tap(keep),
            withSpan("Credentials.renew", { attributes: { ...attributes, force: need.force } }),
            Effect.interruptible,
            // The fiber ends with the outcome as its value: a failed renewal is no fiber failing unobserved.
            Effect.exit,
            Effect.tap((exit) => Effect.zipRight(Ref.set(inFlight, Option.none()), Deferred.done(mine, exit))),
            Effect.forkDaemon
          )
          return yield* restore(Effect.flatten(Deadline.awaitWithin(renewal, token, noToken, goesOn)))
        })
      )

    return {
      held: () => held,
      renew,
      forget: Effect.zipRight(
        Effect.sync(() => {
          held = Option.none()
        }),
        Ref.set(unsaved, Option.none())
      )
    }
  })
