/**
 * The profiles an app serves: every configured one wired to its flow over one token store, the broken ones
 * with their errors (so one bad profile leaves the others working), and the default. Both apps build it the
 * same way: `layerConfig` reads `COZE_AUTH_HOME`, `COZE_AUTH_STORE`, the `COZE_*` variables and profiles.json.
 *
 * @since 0.1.0
 */
import type * as CozeError from "@coze-auth/core/CozeError"
import type { TokenStore } from "@coze-auth/core/TokenStore"
import type { FileSystem, HttpClient } from "@effect/platform"
import { Context, Effect, Either, Layer, Option } from "effect"
import * as Home from "./Home.js"
import * as Profile from "./Profile.js"
import { UnknownProfile } from "./ProfileError.js"
import * as ProfileSpec from "./ProfileSpec.js"
import * as Store from "./Store.js"

/**
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  /** Every usable profile, the default one first. */
  readonly all: ReadonlyArray<Profile.Profile>
  /** Configured profiles that cannot be used, each with the error that says why. */
  readonly broken: ReadonlyArray<ProfileSpec.Broken>
  /** A profiles.json that cannot be read at all. */
  readonly fileError: Option.Option<CozeError.ConfigError>
  /** The profile used when none is named: the configured default, else the first usable profile. */
  readonly defaultName: Option.Option<string>
  /** Where tokens live. */
  readonly store: Store.StoreChoice
  /** The named profile (or the default): a broken one fails with its `ConfigError`. */
  readonly get: (name: string | undefined) => Effect.Effect<Profile.Profile, UnknownProfile | CozeError.ConfigError>
  /** The named usable profile (or the default), looked up on the spot; `get` says why there is none. */
  readonly find: (name: string | undefined) => Option.Option<Profile.Profile>
}

/**
 * @since 0.1.0
 * @category Context
 */
export class Profiles extends Context.Tag("@coze-auth/profiles/Profiles")<Profiles, Service>() {}

/**
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: {
  readonly profiles: ReadonlyArray<Profile.Profile>
  readonly broken?: ReadonlyArray<ProfileSpec.Broken> | undefined
  readonly fileError?: Option.Option<CozeError.ConfigError> | undefined
  readonly defaultName?: Option.Option<string> | undefined
  readonly store: Store.StoreChoice
}): Service => {
  const broken = options.broken ?? []
  const fileError = options.fileError ?? Option.none()
  const defaultName = Option.orElse(options.defaultName ?? Option.none(), () =>
    Option.fromNullable(options.profiles[0]?.name ?? broken[0]?.name)
  )
  const usable = new Map(options.profiles.map((profile) => [profile.name, profile]))
  const failed = new Map(broken.map((b) => [b.name, b.error]))
  const first = Option.getOrUndefined(defaultName)
  const all = [...options.profiles].sort((a, b) => Number(b.name === first) - Number(a.name === first))
  const known = [...all.map((p) => p.name), ...broken.map((b) => b.name)]
  const find = (name: string | undefined) => {
    const wanted = name ?? first
    return wanted === undefined ? Option.none() : Option.fromNullable(usable.get(wanted))
  }
  return {
    all,
    broken,
    fileError,
    defaultName,
    store: options.store,
    find,
    get: (name) => {
      const profile = find(name)
      if (Option.isSome(profile)) return Effect.succeed(profile.value)
      const wanted = name ?? first
      const error = wanted === undefined ? undefined : failed.get(wanted)
      if (error !== undefined) return Effect.fail(error)
      // The profile may be in the file that cannot be read: that is the error to fix.
      if (Option.isSome(fileError)) return Effect.fail(fileError.value)
      return Effect.fail(new UnknownProfile({ profile: wanted ?? ProfileSpec.defaultName, known }))
    }
  }
}

/**
 * Wires every loaded profile; one whose wiring fails (a key that is no RSA key) joins the broken ones.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromLoaded = (
  loaded: ProfileSpec.Loaded,
  options: Profile.Options & { readonly store: Store.StoreChoice }
): Effect.Effect<Service, never, HttpClient.HttpClient | TokenStore> =>
  Effect.gen(function* () {
    const wired = yield* Effect.forEach(loaded.specs, (spec) =>
      Effect.either(Profile.make(spec, options)).pipe(
        Effect.map(Either.mapLeft((error): ProfileSpec.Broken => ({ name: spec.name, origin: spec.origin, error })))
      )
    )
    return make({
      profiles: wired.flatMap((w) => (Either.isRight(w) ? [w.right] : [])),
      broken: [...loaded.broken, ...wired.flatMap((w) => (Either.isLeft(w) ? [w.left] : []))],
      fileError: loaded.fileError,
      defaultName: loaded.defaultProfile,
      store: options.store
    })
  })

/**
 * @since 0.1.0
 * @category Layers
 */
export const layer = <E, R>(
  loaded: Effect.Effect<ProfileSpec.Loaded, E, R>,
  options: Profile.Options & { readonly store: Store.StoreChoice }
): Layer.Layer<Profiles, E, R | HttpClient.HttpClient | TokenStore> =>
  Layer.effect(
    Profiles,
    Effect.flatMap(loaded, (loaded) => fromLoaded(loaded, options))
  )

/**
 * Everything from the environment: `COZE_AUTH_HOME`, `COZE_AUTH_STORE` (the `TokenStore` is provided
 * too), the `COZE_*` variables and profiles.json. Fails only when the home or the store setting is wrong.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerConfig = (
  options: Profile.Options = {}
): Layer.Layer<Profiles | TokenStore, CozeError.ConfigError, HttpClient.HttpClient | FileSystem.FileSystem> =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const home = yield* Home.load
      const store = yield* Store.load
      return layer(ProfileSpec.load(home), { ...options, store }).pipe(Layer.provideMerge(Store.layer(store)))
    })
  )
