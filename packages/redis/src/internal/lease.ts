/**
 * The lease behind `withLock`: the lease key set to this store's random owner id only if it is free (or
 * still its own), with a TTL; renewed every third of the lease while held; released by compare-and-delete so
 * only its owner frees it. A waiter polls (jittered, every ~100 ms) for at most `leaseWait`, and is done without
 * the lease once the record changed and `whileWaiting` accepts it. While held, the fiber's lease
 * records the version it read, which the store's writes are fenced on.
 */
import type * as CozeError from "@coze-auth/core/CozeError"
import * as TokenStore from "@coze-auth/core/TokenStore"
import { Clock, Duration, Effect, Either, FiberRef, HashMap, Option, Random, Ref, Schedule, Scope } from "effect"
import { LeaseBusy, storeError } from "./errors.js"
import * as Redis from "./redis.js"

/** The lease of one `withLock`: what this holder last read or wrote, for the fence. */
export interface Held {
  readonly version: Ref.Ref<number>
}

export type Run = <A>(
  command: (client: Parameters<Parameters<Redis.Connection["run"]>[0]>[0]) => Promise<A>
) => Effect.Effect<A, CozeError.TokenStoreError>

export const make = (options: {
  readonly run: Run
  readonly lease: Duration.Duration
  readonly leaseWait: Duration.Duration
  readonly leaseKey: (profile: string) => string
  readonly recordKey: (profile: string) => string
}): Effect.Effect<
  {
    readonly withLock: TokenStore.Service["withLock"]
    /** The lease this fiber holds on `profile`, if any. */
    readonly heldOf: (profile: string) => Effect.Effect<Option.Option<Held>>
  },
  never,
  Scope.Scope
> =>
  Effect.gen(function* () {
    const { lease, leaseKey, leaseWait, recordKey, run } = options
    const leaseMillis = Math.max(1, Math.round(Duration.toMillis(lease)))
    const renewEvery = Duration.millis(Math.max(1, Math.round(leaseMillis / 3)))
    // The leases this fiber holds, by profile: get records what it read, set and remove are fenced on it.
    const leases = yield* FiberRef.make(HashMap.empty<string, Held>())
    const heldOf = (profile: string) => Effect.map(FiberRef.get(leases), HashMap.get(profile))

    // One owner for this store's leases: in this process withLock is one fiber at a time per profile, and a
    // lease whose release never reached Redis (it was down) is taken back by the next withLock, before anyone
    // else can take it and read the credential this process could not write yet.
    const owner = globalThis.crypto.randomUUID()
    const busy = (profile: string) =>
      storeError(
        new LeaseBusy({
          description: `cannot take the Redis lease of profile "${profile}" within ${Duration.format(leaseWait)}: another process holds it`,
          hint: `a holder that died loses its lease within ${Duration.format(lease)}; raise COZE_AUTH_REDIS_LEASE_WAIT if renewals are that slow`
        })
      )

    // Renews every third of the lease; stops once the lease is gone (the fence then guards the writes). A
    // renewal Redis does not answer is tried again next time: the lease may well still be ours.
    const keepRenewed = (profile: string, owner: string) =>
      run(Redis.renew(leaseKey(profile), owner, leaseMillis)).pipe(
        Effect.catchAll(() => Effect.succeed(1)),
        Effect.repeat({
          schedule: Schedule.spaced(renewEvery),
          while: (renewed) => renewed === 1
        }),
        Effect.zipRight(
          Effect.logWarning(
            `coze-auth: the Redis lease of profile "${profile}" expired while held (this process stalled for longer than ${Duration.format(lease)}); its writes are fenced`
          )
        ),
        Effect.delay(renewEvery)
      )

    // The lease for the scope (`Right`), or what `whileWaiting` found (`Left`) once the record changed while
    // another holder had the lease: that holder wrote what this one waits for. The release (compare-and-delete)
    // is registered before the first attempt, so an interrupted attempt cannot leave a lease behind; attempts
    // are interruptible, waits between them too.
    const takeLease = <A, E, R>(
      profile: string,
      whileWaiting: Effect.Effect<Option.Option<A>, E, R> | undefined
    ): Effect.Effect<Either.Either<Held, A>, E | CozeError.TokenStoreError, R | Scope.Scope> =>
      Effect.gen(function* () {
        const key = leaseKey(profile)
        const versionNow = Effect.map(run(Redis.read(recordKey(profile))), (record) => record.version)
        yield* Effect.addFinalizer(() => Effect.ignore(run(Redis.release(key, owner))))
        const acquire = Effect.map(run(Redis.acquire(key, owner, leaseMillis)), (taken) => taken === 1)
        if (!(yield* acquire)) {
          const deadline = (yield* Clock.currentTimeMillis) + Duration.toMillis(leaseWait)
          let seen = whileWaiting === undefined ? 0 : yield* versionNow
          do {
            const left = deadline - (yield* Clock.currentTimeMillis)
            if (left <= 0) return yield* Effect.fail(busy(profile))
            yield* Effect.sleep(Math.min(left, 100 * (0.8 + 0.4 * (yield* Random.next))))
            if (whileWaiting !== undefined) {
              const version = yield* versionNow
              if (version !== seen) {
                const done = yield* whileWaiting
                if (Option.isSome(done)) return Either.left<A>(done.value)
              }
              seen = version
            }
          } while (!(yield* acquire))
        }
        // Interruptible even when the caller is not (Credentials renews in an uninterruptible daemon): the scope
        // must be able to stop it.
        yield* Effect.forkScoped(Effect.interruptible(keepRenewed(profile, owner)))
        return Either.right<Held>({ version: yield* Ref.make(yield* versionNow) })
      })

    const inProcess = TokenStore.makeProfileLocks()
    const withLock: TokenStore.Service["withLock"] = (profile, effect, lockOptions) =>
      inProcess(
        profile,
        Effect.scopedWith((scope) =>
          Effect.flatMap(
            Effect.provideService(takeLease(profile, lockOptions?.whileWaiting), Scope.Scope, scope),
            Either.match({
              onLeft: Effect.succeed,
              onRight: (held) => Effect.locallyWith(effect, leases, HashMap.set(profile, held))
            })
          )
        )
      )

    return { withLock, heldOf }
  })
