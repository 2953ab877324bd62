/**
 * A `TokenStore` in files that several processes on one machine can share: one file per profile at
 * `<home>/tokens/<profile>.json`, mode 0600 inside a 0700 directory, replaced atomically (write a temporary
 * file, fsync, rename), so a reader — or a crash — sees the old credential or the new one, never a torn
 * file. What a crash leaves (a temporary file with a superseded credential) is removed when the store
 * opens, after each write and whenever the lock is taken.
 *
 * Any profile name a user can type works, including spaces and CJK ("my prod", "国内"): a name of letters,
 * digits, `.`, `_` and `-` (at most 64, not starting with a dot) is its own file name, as in earlier
 * releases; any other name is encoded (`%` then its UTF-8 bytes, `%XX` outside `[A-Za-z0-9_-]`; very long
 * names by their SHA-256). Only an empty name or one with control characters is refused.
 *
 * `withLock` holds a cross-process lock (`proper-lockfile`: a `<profile>.json.lock` directory, refreshed
 * while held, taken over once it is 10 s stale, so a killed process cannot wedge the others) for the whole
 * read → refresh → write, waiting up to a minute (`lockWait`) for another holder; a waiter watches the
 * lock's directory and tries again as soon as the holder releases it (every 100 ms otherwise). Whoever
 * takes it must re-read: another process may have refreshed meanwhile. `Credentials` does exactly that.
 *
 * @since 0.1.0
 */

import { createHash } from "node:crypto"
import { watch } from "node:fs"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { TokenStoreError } from "@coze-auth/core/CozeError"
import { Token } from "@coze-auth/core/Token"
import * as TokenStore from "@coze-auth/core/TokenStore"
import {
  Clock,
  Config,
  type ConfigError,
  Duration,
  Effect,
  Layer,
  Option,
  Queue,
  Random,
  Runtime,
  Schema,
  Scope
} from "effect"
import * as lockfile from "proper-lockfile"
import { sweep, writeAtomic } from "./internal/atomicFile.js"
import { failure, isHeld, isMissing } from "./internal/fsError.js"

/**
 * What a token file holds. The version lets a later release migrate old files instead of rejecting them.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const TokenFile = Schema.parseJson(
  Schema.Struct({ version: Schema.Literal(1), profile: Schema.String, token: Token }),
  { space: 2 }
)

/** Names that are their own file name (the only ones earlier releases accepted). */
const plainName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** Empty, or a control character (U+0000–U+001F, U+007F) somewhere. */
const isUnusableName = (name: string): boolean =>
  name === "" || [...name].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f)

const safeByte = /[A-Za-z0-9_-]/

/**
 * The file name (without `.json`) of a profile: the name itself when plain, else `%` and its encoded UTF-8
 * bytes (no plain name starts with `%`, so the two never meet), or `%~` and its SHA-256 when that is long.
 *
 * @since 0.1.0
 * @category Utils
 */
export const fileStem = (profile: string): string => {
  if (plainName.test(profile)) return profile
  let encoded = "%"
  for (const byte of new TextEncoder().encode(profile)) {
    const char = String.fromCharCode(byte)
    encoded += byte < 0x80 && safeByte.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`
  }
  return encoded.length <= 200 ? encoded : `%~${createHash("sha256").update(profile).digest("hex")}`
}

/**
 * The lock is considered abandoned after this long without its holder touching it (proper-lockfile's
 * default; the holder touches it every 5 s while it works).
 */
const staleMillis = 10_000

/**
 * How long `withLock` waits for the lock by default. A live holder may keep it through a slow refresh (a
 * token request may wait 30 s for its answer, and may be retried), and a lock left by a killed process is
 * only taken over once it is `staleMillis` old: a minute outlasts a stale period plus a slow refresh.
 */
const lockWaitMillis = 60_000

/**
 * How often a waiter tries the lock again when no release is seen (jittered, so waiters do not move in
 * step): a waiter watches the lock's directory and tries at once when the holder releases; this tick is
 * the fallback for a file system that reports nothing and for a lock that goes stale.
 */
const lockRetryMillis = 100

/**
 * `COZE_AUTH_HOME`, else `$XDG_CONFIG_HOME/coze-auth`, else `~/.config/coze-auth`.
 *
 * @since 0.1.0
 * @category Config
 */
export const home: Config.Config<string> = Config.string("COZE_AUTH_HOME").pipe(
  Config.orElse(() => Config.map(Config.string("XDG_CONFIG_HOME"), (xdg) => path.join(xdg, "coze-auth"))),
  Config.orElse(() => Config.succeed(path.join(os.homedir(), ".config", "coze-auth")))
)

/**
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  readonly home: string
  /** How long `withLock` waits for another holder before failing; default 60 s. */
  readonly lockWait?: Duration.DurationInput | undefined
}

/**
 * A file store rooted at `home` (created with mode 0700 on first write).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: Options): Effect.Effect<TokenStore.Service> =>
  Effect.gen(function* () {
    const lockWait = Duration.decode(options.lockWait ?? lockWaitMillis)
    const directory = path.join(path.resolve(options.home), "tokens")
    const fileOf = (profile: string) => path.join(directory, `${fileStem(profile)}.json`)
    const inProcess = TokenStore.makeProfileLocks()
    const fail = (what: string) => failure(what, directory)

    const checked = (profile: string) =>
      isUnusableName(profile)
        ? Effect.fail(
            new TokenStoreError({
              description: `invalid profile name ${JSON.stringify(profile.slice(0, 80))}`,
              hint: "a profile name must not be empty nor contain control characters"
            })
          )
        : Effect.succeed(fileOf(profile))

    const ensureDirectory = Effect.tryPromise({
      try: async () => {
        await fs.mkdir(directory, { recursive: true, mode: 0o700 })
        await fs.chmod(directory, 0o700)
      },
      catch: fail(`create ${directory}`)
    })

    // Best effort: a leftover that cannot go now goes next time.
    const sweepLeftovers = Effect.promise(() => sweep(directory))

    const get = (profile: string) =>
      Effect.gen(function* () {
        const file = yield* checked(profile)
        const text = yield* Effect.tryPromise({ try: () => fs.readFile(file, "utf8"), catch: (cause) => cause }).pipe(
          Effect.map(Option.some),
          Effect.catchIf(isMissing, () => Effect.succeed(Option.none<string>())),
          Effect.mapError(fail(`read ${file}`))
        )
        if (Option.isNone(text)) return Option.none<Token>()
        const decoded = yield* Schema.decode(TokenFile)(text.value).pipe(
          Effect.mapError(
            () =>
              new TokenStoreError({
                description: `${file} is not a coze-auth token file (corrupt or from another version)`,
                hint: `delete it and log in again for profile "${profile}"`
              })
          )
        )
        return Option.some(decoded.token)
      })

    const set = (profile: string, token: Token) =>
      Effect.gen(function* () {
        const file = yield* checked(profile)
        const text = yield* TokenStore.encodeRecord(TokenFile, profile)({ version: 1, profile, token })
        yield* ensureDirectory
        yield* Effect.tryPromise({ try: () => writeAtomic(file, `${text}\n`, 0o600), catch: fail(`write ${file}`) })
        yield* sweepLeftovers
      })

    const remove = (profile: string) =>
      Effect.flatMap(checked(profile), (file) =>
        Effect.tryPromise({ try: () => fs.unlink(file), catch: (cause) => cause }).pipe(
          Effect.as(true),
          Effect.catchIf(isMissing, () => Effect.succeed(false)),
          Effect.mapError(fail(`delete ${file}`))
        )
      )

    /** One attempt at the lock, released when the scope closes. */
    const tryLock = (file: string) =>
      Effect.acquireRelease(
        Effect.flatMap(Effect.runtime<never>(), (runtime) =>
          Effect.tryPromise({
            try: () =>
              lockfile.lock(file, {
                realpath: false,
                stale: staleMillis,
                // Taken over after going stale (this process froze for 10 s): the write that follows is
                // still atomic; the worst case is one refresh token spent twice, reported as
                // NotAuthenticated. Worth a warning, not a failure.
                onCompromised: (cause) =>
                  Runtime.runFork(runtime)(Effect.logWarning(`coze-auth: lost the lock on ${file} (${cause.message})`))
              }),
            catch: (cause) => cause
          })
        ),
        (release) => Effect.promise(() => release().catch(() => undefined))
      )

    // Wakes when an entry of `directory` named `name` changes (the lock directory removed by its holder),
    // for as long as the scope is open. Without a watcher (a file system that cannot watch, no inotify
    // left) nothing ever wakes it and the waiter falls back to its tick.
    const changesOf = (name: string) =>
      Effect.gen(function* () {
        const changes = yield* Queue.sliding<void>(1)
        yield* Effect.acquireRelease(
          Effect.sync(() => {
            try {
              const watcher = watch(directory, { persistent: false }, (_event, changed) => {
                if (changed === null || changed === name) Queue.unsafeOffer(changes, undefined)
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

    // Tries again until the holder releases the lock or it goes stale, for at most `lockWait`: at once when
    // the lock's directory changes, else on a jittered tick. The watcher starts after a first failed attempt
    // (no cost when nobody holds the lock) and closes once the lock is taken; changes seen during an attempt
    // wake the next wait, so a release between an attempt and its wait is not missed. Each attempt is
    // uninterruptible (it may take the lock); the waits between them are not.
    const lock = (file: string) =>
      Effect.zipRight(
        ensureDirectory,
        tryLock(file).pipe(
          Effect.catchIf(isHeld, () =>
            Effect.flatMap(Effect.scope, (outer) =>
              Effect.scoped(
                Effect.gen(function* () {
                  const deadline = (yield* Clock.currentTimeMillis) + Duration.toMillis(lockWait)
                  const changes = yield* changesOf(`${path.basename(file)}.lock`)
                  while (true) {
                    const attempt = yield* Effect.either(Scope.extend(tryLock(file), outer))
                    if (attempt._tag === "Right") return attempt.right
                    const left = deadline - (yield* Clock.currentTimeMillis)
                    if (!isHeld(attempt.left) || left <= 0) return yield* Effect.fail(attempt.left)
                    const tick = lockRetryMillis * (0.8 + 0.4 * (yield* Random.next))
                    yield* Effect.raceFirst(Queue.take(changes), Effect.sleep(Math.min(tick, left)))
                  }
                })
              )
            )
          ),
          Effect.mapError((cause) =>
            isHeld(cause)
              ? new TokenStoreError({
                  description: `cannot lock ${file} within ${Duration.format(lockWait)}`,
                  hint: `another process holds ${file}.lock; if no coze-auth process is running, delete that directory`,
                  cause
                })
              : fail(`lock ${file}`)(cause)
          )
        )
      )

    const withLock: TokenStore.Service["withLock"] = (profile, effect) =>
      Effect.flatMap(checked(profile), (file) =>
        inProcess(
          profile,
          Effect.scopedWith((scope) =>
            Effect.zipRight(Scope.extend(Effect.zipLeft(lock(file), sweepLeftovers), scope), effect)
          )
        )
      )

    yield* sweepLeftovers
    return { location: fileOf, get, set, remove, withLock }
  })

/**
 * The file store at `options.home`, or at the configured `home` (`COZE_AUTH_HOME`, …) when omitted.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options?: { readonly home?: string | undefined }): Layer.Layer<TokenStore.TokenStore> =>
  options?.home === undefined
    ? Layer.orDie(layerConfig(home))
    : Layer.effect(TokenStore.TokenStore, make({ home: options.home }))

/**
 * @since 0.1.0
 * @category Layers
 */
export const layerConfig = (
  config: Config.Config<string> = home
): Layer.Layer<TokenStore.TokenStore, ConfigError.ConfigError> =>
  Layer.effect(
    TokenStore.TokenStore,
    Effect.flatMap(config, (home) => make({ home }))
  )
