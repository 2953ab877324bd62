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
 * read → refresh → write, waiting up to a minute (`lockWait`) for another holder. A waiter watches the
 * token file and the lock: when the holder writes the file, the waiter's `whileWaiting` check (what
 * `Credentials` passes: is the stored credential now fresh?) can end the wait at once, without the lock;
 * when the holder releases, it tries again (every 100 ms otherwise). Whoever takes the lock must re-read:
 * another process may have refreshed meanwhile. `Credentials` does exactly that.
 *
 * @since 0.1.0
 */

import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { TokenStoreError } from "@coze-auth/core/CozeError"
import { Token } from "@coze-auth/core/Token"
import * as TokenStore from "@coze-auth/core/TokenStore"
import { Config, type ConfigError, Duration, Effect, Layer, Option, Schema, Scope } from "effect"
import { sweep, writeAtomic } from "./internal/atomicFile.js"
import * as fileLock from "./internal/fileLock.js"
import * as fileName from "./internal/fileName.js"
import { failure, isMissing } from "./internal/fsError.js"

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

/**
 * The file name (without `.json`) of a profile: the name itself when plain, else `%` and its encoded UTF-8
 * bytes (no plain name starts with `%`, so the two never meet), or `%~` and its SHA-256 when that is long.
 *
 * @since 0.1.0
 * @category Utils
 */
export const fileStem: (profile: string) => string = fileName.fileStem

/**
 * How long `withLock` waits for the lock by default. A live holder may keep it through a slow refresh (a
 * token request may wait 30 s for its answer, and may be retried), and a lock left by a killed process is
 * only taken over once it is 10 s stale: a minute outlasts a stale period plus a slow refresh.
 */
const lockWaitMillis = 60_000

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
      fileName.isUnusableName(profile)
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

    // The wait for another holder ends with the lock, or with what `whileWaiting` found once the holder
    // wrote the file; only with the lock does `effect` run.
    const withLock: TokenStore.Service["withLock"] = (profile, effect, lockOptions) =>
      Effect.flatMap(checked(profile), (file) =>
        inProcess(
          profile,
          Effect.scopedWith((scope) =>
            Effect.zipRight(ensureDirectory, fileLock.acquire(file, lockWait, lockOptions?.whileWaiting)).pipe(
              Scope.extend(scope),
              Effect.flatMap(
                Option.match({ onSome: Effect.succeed, onNone: () => Effect.zipRight(sweepLeftovers, effect) })
              )
            )
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
