/**
 * The renewal state machine behind `Credentials`: the token held in memory, the one renewal in flight per
 * profile (single flight, in a fiber of its own; `renewal` bounds it once it holds the lock), the store's lock
 * and re-read, and a renewed credential that could not be stored (kept until the next renewal stores it).
 */
import { Cause, Clock, Context, Duration, Effect, type Exit, type Fiber, Option, type Redacted, Runtime } from "effect"
import { type CozeError, NotAuthenticated, type TokenStoreError } from "../CozeError.js"
import type { Source } from "../Credentials.js"
import * as Deadline from "../Deadline.js"
import { Token } from "../Token.js"
import type * as TokenStore from "../TokenStore.js"
import { type Held, hold, isFresh, sameToken } from "./held.js"
import * as timer from "./timer.js"
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

/** A renewal's own deadline, from the moment it holds the lock; `timedOut` once it has ended the renewal. */
interface Bound {
  readonly renewal: Duration.Duration
  timedOut: boolean
}

/** The renewal in flight: the fiber every caller waits for, and its deadline. */
interface Flight {
  readonly fiber: Fiber.RuntimeFiber<Exit.Exit<Token, CozeError>>
  readonly bound: Bound
}

const loginAgain = (profile: string, description: string) =>
  new NotAuthenticated({ profile, description, hint: `log in again for profile "${profile}"` })

export const make = (profile: string, source: Source, store: TokenStore.Service): Effect.Effect<Renewal> =>
  Effect.sync(() => {
    let held: Option.Option<Held> = source._tag === "Static" ? Option.some(hold(source.token)) : Option.none()
    // The renewal in flight, if any: its fiber, whose outcome every caller shares.
    let inFlight: Flight | undefined
    // Renewed but not yet stored (the write failed): it holds the live refresh token, so it is never lost.
    let unsaved: Token | undefined
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
    ): Effect.Effect<Token, CozeError> => {
      if (Option.isNone(current)) return loginAgain(profile, `no credential stored for profile "${profile}"`)
      const refreshToken = current.value.refreshToken
      if (Option.isNone(refreshToken)) {
        return loginAgain(profile, `the credential of profile "${profile}" expired and has no refresh token`)
      }
      // The answer holds the only live refresh token once the server has spent this one: it is read for
      // as long as the renewal may last, not cut at the request deadline. The renewal's own deadline, running
      // since the lock was held, bounds it: the request takes no timer of its own.
      return refresh(refreshToken.value).pipe(
        Deadline.withDeadlines({ request: Duration.infinity }),
        Effect.map((renewed) =>
          // Coze always rotates; a server that does not keeps the old refresh token valid, so keep it.
          Option.isSome(renewed.refreshToken) ? renewed : new Token({ ...renewed, refreshToken })
        ),
        Effect.catchTag("InvalidGrant", () =>
          Effect.zipRight(
            store.remove(profile),
            loginAgain(profile, `the refresh token of profile "${profile}" was rejected (used, revoked or expired)`)
          )
        )
      )
    }

    // Only built when Debug is on: formatting the expiry costs more than the rest of a renewal's bookkeeping.
    const logRenewed = (renewed: Token) =>
      Effect.whenLogLevel(
        Effect.suspend(() =>
          Effect.logDebug("coze-auth: credential renewed").pipe(
            Effect.annotateLogs({ profile, flow: renewed.flow, expiresAt: String(Option.getOrNull(renewed.expiresAt)) })
          )
        ),
        "Debug"
      )

    // What an earlier renewal could not store is stored first.
    const storeUnsaved = Effect.suspend(() => {
      const pending = unsaved
      return pending === undefined
        ? Effect.void
        : Effect.map(store.set(profile, pending), () => {
            unsaved = undefined
          })
    })

    // Runs under the store's lock: store what an earlier renewal could not, re-read, renew only if still
    // needed, persist before returning. Bounded by `renewal` from the moment the lock is held, not from the
    // start of the wait for it: a renewal that waited long for the lock must still read the answer to the
    // refresh token it spends, or that answer (the only live refresh token) would be cut off and lost.
    const renewLocked = (
      need: Need,
      obtain: (stored: Option.Option<Token>) => Effect.Effect<Token, CozeError>,
      bound: Bound
    ) =>
      storeUnsaved.pipe(
        Effect.zipRight(store.get(profile)),
        Effect.flatMap((stored) =>
          Effect.flatMap(
            Option.isSome(stored) ? freshAt(stored.value, need) : Effect.succeed(false),
            (fresh): Effect.Effect<Token, CozeError> =>
              fresh && Option.isSome(stored)
                ? Effect.succeed(stored.value)
                : obtain(stored).pipe(
                    Effect.tap((renewed) =>
                      store.set(profile, renewed).pipe(
                        Effect.tapError(() =>
                          Effect.sync(() => {
                            unsaved = renewed
                          })
                        ),
                        Effect.zipRight(logRenewed(renewed))
                      )
                    )
                  )
          )
        ),
        // The renewal's fiber is this one: its deadline interrupts it, no second fiber races it.
        (locked) =>
          timer.interruptAfter(locked, bound.renewal, () => {
            bound.timedOut = true
          }),
        withSpan("Credentials.renewLocked", { attributes })
      )

    const run = (need: Need, bound: Bound): Effect.Effect<Token, CozeError> => {
      if (source._tag === "Static") return Effect.succeed(source.token)
      const obtain =
        source._tag === "Mint"
          ? () => source.mint
          : (current: Option.Option<Token>) => refreshWith(current, source.refresh)
      // While another process holds the lock, its renewal is ours as soon as it is stored.
      const whileWaiting = Effect.orElseSucceed(storedIfFresh(need), () => Option.none<Token>())
      // The lock span covers the wait for the lock; `renewLocked` starts when it is held.
      const locked = store
        .withLock(profile, renewLocked(need, obtain, bound), { whileWaiting })
        .pipe(withSpan("Credentials.lock", { attributes }))
      // A look without the lock first: another process may have renewed already.
      return need.force
        ? locked
        : Effect.flatMap(storedIfFresh(need), (stored) =>
            Option.isSome(stored) ? Effect.succeed(stored.value) : locked
          )
    }

    const noToken = (took: string) => `no token for profile "${profile}" within ${took}`
    const goesOn = "the renewal goes on in the background and stores its answer if one comes; try again shortly"
    const renewalTimeout = (renewal: Duration.Duration) =>
      timer.timeoutError(renewal, (took) => `the renewal of profile "${profile}" did not finish within ${took}`)()

    // Single flight: the first caller starts the renewal as a fiber of its own (a root fiber, started on the
    // spot, with the caller's context), so that a caller who gives up (its `token` deadline, an interruption)
    // does not abandon a rotated refresh token half-way; every caller, the first included, waits for that
    // fiber's outcome (on a plain timer, no fiber of its own) for at most `token`. The check and the start are
    // one synchronous step, so two callers cannot both start one. The renewal itself is interruptible and
    // bounded by the store's lock wait plus `renewal`, whose deadline ends its fiber (its lock is released
    // however it ends); that interruption reaches the callers as the renewal's timeout.
    const renew = (need: Need): Effect.Effect<Token, CozeError> =>
      Effect.flatMap(Effect.runtime<never>(), (runtime) => {
        const { renewal, token } = Context.get(runtime.context, Deadline.Deadlines)
        let flight = inFlight
        if (flight === undefined) {
          const bound: Bound = { renewal, timedOut: false }
          const fiber = Runtime.runFork(
            runtime,
            run(need, bound).pipe(
              Effect.tap(keep),
              withSpan("Credentials.renew", { attributes: { ...attributes, force: need.force } }),
              // Even when the caller is not (its deadlines interrupt what they bound).
              Effect.interruptible,
              // The fiber ends with the outcome as its value: a failed renewal is no fiber failing unobserved.
              Effect.exit
            )
          )
          const started: Flight = { fiber, bound }
          inFlight = flight = started
          fiber.addObserver(() => {
            if (inFlight === started) inFlight = undefined
          })
        }
        const { fiber, bound } = flight
        return Effect.flatten(Deadline.awaitWithin(fiber, token, noToken, goesOn)).pipe(
          Effect.catchAllCause((cause) =>
            bound.timedOut && Cause.isInterruptedOnly(cause)
              ? Effect.fail(renewalTimeout(bound.renewal))
              : Effect.failCause(cause)
          )
        )
      })

    return {
      held: () => held,
      renew,
      forget: Effect.sync(() => {
        held = Option.none()
        unsaved = undefined
      })
    }
  })
