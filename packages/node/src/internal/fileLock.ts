/**
 * The cross-process lock on one token file — `proper-lockfile`'s `<file>.lock` directory, touched while
 * held and taken over once stale — and the wait for another holder.
 */
import { watch } from "node:fs"
import * as path from "node:path"
import { TokenStoreError } from "@coze-auth/core/CozeError"
import { Clock, Duration, Effect, Either, Option, Queue, Random, Runtime, Scope } from "effect"
import * as lockfile from "proper-lockfile"
import { failure, isHeld } from "./fsError.js"

/**
 * The lock is considered abandoned after this long without its holder touching it (proper-lockfile's
 * default; the holder touches it every 5 s while it works).
 */
const staleMillis = 10_000

/**
 * How often a waiter tries the lock again when no change is seen (jittered, so waiters do not move in
 * step): the fallback for a file system that reports nothing, and for a lock that goes stale.
 */
const retryMillis = 100

/** One attempt at the lock, released when the scope closes. */
const tryLock = (file: string) =>
  Effect.acquireRelease(
    Effect.flatMap(Effect.runtime<never>(), (runtime) =>
      Effect.tryPromise({
        try: () =>
          lockfile.lock(file, {
            realpath: false,
            stale: staleMillis,
            // Taken over after going stale (this process froze for 10 s): the write that follows is still
            // atomic; the worst case is one refresh token spent twice, reported as NotAuthenticated. Worth a
            // warning, not a failure.
            onCompromised: (cause) =>
              Runtime.runFork(runtime)(Effect.logWarning(`coze-auth: lost the lock on ${file} (${cause.message})`))
          }),
        catch: (cause) => cause
      })
    ),
    (release) => Effect.promise(() => release().catch(() => undefined))
  )

// Wakes when one of `names` in `directory` changes (the file replaced, the lock directory removed), for as
// long as the scope is open. Without a watcher (a file system that cannot watch, no inotify left) nothing
// ever wakes it and the waiter falls back to its tick.
const changesOf = (directory: string, names: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const changes = yield* Queue.sliding<void>(1)
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        try {
          const watcher = watch(directory, { persistent: false }, (_event, changed) => {
            if (changed === null || names.includes(changed)) Queue.unsafeOffer(changes, undefined)
          })
          watcher.on("error", () => watcher.close())
          return watcher
        } catch {
          return undefined
        }
      }),
      (watcher) => Effect.sync(() => watcher?.close())
    )
    return changes
  })

/**
 * Takes the lock on `file` for the scope (`None`), waiting up to `lockWait` for another holder. While it
 * waits, `whileWaiting` runs whenever the file or its lock changes; a `Some` ends the wait with its value,
 * without the lock: the holder did the work (it wrote the file), so there is nothing left to lock for.
 *
 * The watcher starts after a first failed attempt (no cost when nobody holds the lock) and closes once the
 * wait ends; a change seen during an attempt wakes the next wait, so a release between the two is not
 * missed. Each attempt is uninterruptible (it may take the lock); the waits between them are not.
 */
export const acquire = <A, E, R>(
  file: string,
  lockWait: Duration.Duration,
  whileWaiting: Effect.Effect<Option.Option<A>, E, R> | undefined
): Effect.Effect<Option.Option<A>, E | TokenStoreError, R | Scope.Scope> =>
  Effect.gen(function* () {
    const outer = yield* Effect.scope
    const attempt = Effect.either(Scope.extend(tryLock(file), outer))
    const failed = (cause: unknown) =>
      isHeld(cause)
        ? new TokenStoreError({
            description: `cannot lock ${file} within ${Duration.format(lockWait)}`,
            hint: `another process holds ${file}.lock; if no coze-auth process is running, delete that directory`,
            cause
          })
        : failure(`lock ${file}`, path.dirname(file))(cause)
    const first = yield* attempt
    if (Either.isRight(first)) return Option.none<A>()
    if (!isHeld(first.left)) return yield* Effect.fail(failed(first.left))
    return yield* Effect.scoped(
      Effect.gen(function* () {
        const deadline = (yield* Clock.currentTimeMillis) + Duration.toMillis(lockWait)
        const changes = yield* changesOf(path.dirname(file), [path.basename(file), `${path.basename(file)}.lock`])
        while (true) {
          const next = yield* attempt
          if (Either.isRight(next)) return Option.none<A>()
          const left = deadline - (yield* Clock.currentTimeMillis)
          if (!isHeld(next.left) || left <= 0) return yield* Effect.fail(failed(next.left))
          const tick = retryMillis * (0.8 + 0.4 * (yield* Random.next))
          const changed = yield* Effect.raceFirst(
            Effect.as(Queue.take(changes), true),
            Effect.as(Effect.sleep(Math.min(tick, left)), false)
          )
          if (changed && whileWaiting !== undefined) {
            const done = yield* whileWaiting
            if (Option.isSome(done)) return done
          }
        }
      })
    )
  })
