/**
 * The default profile, from the Coze env vars. Which variables are set picks the flow; that flow's own
 * `config` (core's `TokenAuth`, `JwtOAuth`, `DeviceOAuth`, `PkceOAuth`, with `Region.config`) then reads them,
 * and `JwtOAuth.readKey` reads a key file, so a bad setting is worded here as `layerConfig` words it.
 */
import * as CozeError from "@coze-auth/core/CozeError"
import * as DeviceOAuth from "@coze-auth/core/DeviceOAuth"
import * as JwtOAuth from "@coze-auth/core/JwtOAuth"
import * as PkceOAuth from "@coze-auth/core/PkceOAuth"
import * as Region from "@coze-auth/core/Region"
import * as TokenAuth from "@coze-auth/core/TokenAuth"
import { Config, ConfigProvider, Effect, Either, Option } from "effect"
import type { App, Broken, ProfileSpec, Sources } from "../ProfileSpec.js"
import * as Problems from "./problems.js"

/** Architecture §3's names: the variables that configure the default profile. */
const envNames = [
  "COZE_API_TOKEN",
  "COZE_API_BASE",
  "COZE_WWW_BASE",
  "COZE_WEB_OAUTH_CLIENT_ID",
  "COZE_WEB_OAUTH_CLIENT_SECRET",
  "COZE_WEB_OAUTH_REDIRECT_URI",
  "COZE_PKCE_OAUTH_CLIENT_ID",
  "COZE_PKCE_OAUTH_REDIRECT_URI",
  "COZE_DEVICE_OAUTH_CLIENT_ID",
  "COZE_JWT_OAUTH_CLIENT_ID",
  "COZE_JWT_OAUTH_PRIVATE_KEY",
  "COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH",
  "COZE_JWT_OAUTH_PUBLIC_KEY_ID"
] as const

type Name = (typeof envNames)[number]

/** An empty variable (`COZE_X=` left in a client's config) counts as unset. */
export const setting = (name: string): Config.Config<Option.Option<string>> =>
  Config.option(Config.string(name)).pipe(Config.map(Option.filter((v) => v !== "")))

/** The variables that are set, with their values. */
const readSet: Effect.Effect<ReadonlyMap<Name, string>> = Effect.forEach(envNames, (name) =>
  Effect.map(
    setting(name),
    Option.map((value) => [name, value] as const)
  )
).pipe(
  Effect.map((entries) => new Map(entries.flatMap(Option.toArray))),
  // Reading an optional string fails only on a broken provider.
  Effect.orDie
)

const noCredential = (set: ReadonlyArray<string>) => {
  const web = set.filter((name) => name.startsWith("COZE_WEB_OAUTH_"))
  return new CozeError.ConfigError({
    field: set.join(", "),
    description:
      web.length > 0
        ? `${web.join(", ")} ${web.length > 1 ? "are" : "is"} set, but a web app needs a server of its own to receive the code`
        : `${set.join(", ")} ${set.length > 1 ? "are" : "is"} set, but no credential is`,
    hint:
      "set COZE_DEVICE_OAUTH_CLIENT_ID or COZE_PKCE_OAUTH_CLIENT_ID (a device or PKCE app of the same Coze app), " +
      "COZE_JWT_OAUTH_* (a service app) or COZE_API_TOKEN (docs/mcp.md)"
  })
}

interface Configured {
  readonly region: Region.Region
  readonly app: App
  readonly sources: Sources
}

/**
 * The flow's settings, read by its own `config` from the set variables alone. In this order: `COZE_API_TOKEN`,
 * `COZE_JWT_OAUTH_*`, `COZE_DEVICE_OAUTH_CLIENT_ID`, `COZE_PKCE_OAUTH_*`; `None` when no credential is set.
 */
const configured = (
  set: ReadonlyMap<Name, string>,
  load: <A>(config: Config.Config<A>) => Effect.Effect<A, CozeError.ConfigError>
): Option.Option<Effect.Effect<Configured, CozeError.ConfigError>> => {
  const none: Sources = {}
  const read = <A extends { readonly region?: Region.Region | undefined }>(
    config: Config.Config<A>,
    app: (options: A) => App
  ) =>
    Option.some(
      Effect.map(load(config), (options) => ({
        region: options.region ?? Region.com,
        app: app(options),
        sources: none
      }))
    )
  if (set.has("COZE_API_TOKEN"))
    return read(Config.all({ token: TokenAuth.config, region: Region.config }), ({ token }) => ({
      flow: "token",
      token: Option.some(token.token)
    }))
  if (set.has("COZE_JWT_OAUTH_CLIENT_ID"))
    return Option.some(
      Effect.gen(function* () {
        const { clientId, privateKey, publicKeyId, region } = yield* load(JwtOAuth.config)
        return {
          region: region ?? Region.com,
          app: { flow: "jwt", clientId, privateKey: yield* JwtOAuth.readKey(privateKey), publicKeyId },
          // A key read from a file: the flow's check of "COZE_JWT_OAUTH_PRIVATE_KEY" is about the file's content.
          sources: Either.isLeft(privateKey)
            ? { COZE_JWT_OAUTH_PRIVATE_KEY: "COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH" }
            : none
        }
      })
    )
  if (set.has("COZE_DEVICE_OAUTH_CLIENT_ID"))
    return read(DeviceOAuth.config, ({ clientId }) => ({ flow: "device", clientId }))
  if (set.has("COZE_PKCE_OAUTH_CLIENT_ID"))
    return read(PkceOAuth.config, ({ clientId, redirectUri }) => ({
      flow: "pkce",
      clientId,
      redirectUri: Option.fromNullable(redirectUri)
    }))
  return Option.none()
}

/**
 * The default profile from the Coze env vars: `None` when none is set, else the profile or why it is broken.
 * A variable set without a credential to go with it (only `COZE_WEB_OAUTH_*`, only `COZE_API_BASE`) is an
 * error, not a silent "nothing configured".
 */
export const fromEnv = (name: string): Effect.Effect<Option.Option<Either.Either<ProfileSpec, Broken>>, never, never> =>
  Effect.gen(function* () {
    const set = yield* readSet
    if (set.size === 0) return Option.none()
    const load = <A>(config: Config.Config<A>) =>
      Effect.mapError(
        Effect.withConfigProvider(config, ConfigProvider.fromMap(new Map(set))),
        CozeError.fromConfigError
      )
    const loaded = yield* Option.match(configured(set, load), {
      onSome: (effect) => effect,
      // The region's faults first: they are what is wrong with the settings that are there.
      onNone: () => Effect.zipRight(load(Region.config), Effect.fail(noCredential([...set.keys()])))
    }).pipe(Effect.either)
    if (Either.isLeft(loaded))
      return Option.some(
        Either.left({ name, origin: "env" as const, error: Problems.attribute(name, loaded.left, {}) })
      )
    const { app, region, sources } = loaded.right
    return Option.some(Either.right({ name, region, app, origin: "env" as const, sources }))
  })
