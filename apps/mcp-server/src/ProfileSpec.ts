/**
 * What a profile is before it is wired to a flow: a name, a region and an app. The default profile comes from
 * the Coze env vars (architecture §3); more come from `profiles.json` in `COZE_AUTH_HOME`, a map from profile
 * name to the Coze console's downloadable app JSON (decoded and checked by core's `OAuthApp`), with `region`,
 * `redirect_uri` and `private_key_file` added, or to a static token read from a named env var:
 *
 * ```json
 * { "cn": { "client_type": "device", "client_id": "…", "coze_api_base": "https://api.coze.cn" },
 *   "bot": { "client_type": "jwt", "client_id": "…", "public_key_id": "…", "private_key_file": "bot.pem", "region": "cn" },
 *   "pat": { "client_type": "token", "token_env": "COZE_CN_TOKEN", "region": "cn" } }
 * ```
 */

import * as path from "node:path"
import * as CozeError from "@coze-auth/core/CozeError"
import * as OAuthApp from "@coze-auth/core/OAuthApp"
import * as Region from "@coze-auth/core/Region"
import { FileSystem } from "@effect/platform"
import { Config, Effect, Option, Predicate, Redacted, Schema } from "effect"

export type App =
  | { readonly flow: "token"; readonly token: Redacted.Redacted }
  | { readonly flow: "device"; readonly clientId: string }
  | { readonly flow: "pkce"; readonly clientId: string; readonly redirectUri: Option.Option<string> }
  | {
      readonly flow: "jwt"
      readonly clientId: string
      readonly privateKey: Redacted.Redacted
      readonly publicKeyId: string
    }

export interface ProfileSpec {
  readonly name: string
  readonly region: Region.Region
  readonly app: App
}

export const defaultName = "default"

const configError = (field: string, description: string, hint?: string) =>
  new CozeError.ConfigError({ field, description, ...(hint === undefined ? {} : { hint }) })

const readKeyFile = (file: string, field: string) =>
  FileSystem.FileSystem.pipe(
    Effect.flatMap((fs) => fs.readFileString(file)),
    Effect.mapError(() =>
      configError(field, `cannot read the private key file ${file}`, "check the path and its permissions")
    )
  )

// ---------------------------------------------------------------------------------------------------------------
// The default profile, from the environment

const env = {
  token: Config.option(Config.redacted("COZE_API_TOKEN")),
  region: Region.config,
  jwtClientId: Config.option(Config.string("COZE_JWT_OAUTH_CLIENT_ID")),
  jwtPrivateKey: Config.option(Config.redacted("COZE_JWT_OAUTH_PRIVATE_KEY")),
  jwtPrivateKeyFile: Config.option(Config.string("COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH")),
  jwtPublicKeyId: Config.option(Config.string("COZE_JWT_OAUTH_PUBLIC_KEY_ID")),
  deviceClientId: Config.option(Config.string("COZE_DEVICE_OAUTH_CLIENT_ID")),
  pkceClientId: Config.option(Config.string("COZE_PKCE_OAUTH_CLIENT_ID")),
  pkceRedirectUri: Config.option(Config.string("COZE_PKCE_OAUTH_REDIRECT_URI"))
}

/**
 * The default profile from the Coze env vars, `None` when none is set. Which ones are set decides the flow,
 * in this order: `COZE_API_TOKEN`, `COZE_JWT_OAUTH_*`, `COZE_DEVICE_OAUTH_CLIENT_ID`, `COZE_PKCE_OAUTH_*`.
 */
export const fromEnv: Effect.Effect<
  Option.Option<ProfileSpec>,
  CozeError.ConfigError,
  FileSystem.FileSystem
> = Effect.gen(function* () {
  const c = yield* Effect.mapError(Config.all(env), CozeError.fromConfigError)
  const region = c.region
  const app: Option.Option<App> = yield* Option.match(c.token, {
    onSome: (token) => Effect.succeed(Option.some<App>({ flow: "token", token })),
    onNone: () =>
      Option.match(c.jwtClientId, {
        onSome: (clientId) =>
          Effect.gen(function* () {
            const publicKeyId = yield* Option.match(c.jwtPublicKeyId, {
              onSome: Effect.succeed,
              onNone: () =>
                configError(
                  "COZE_JWT_OAUTH_PUBLIC_KEY_ID",
                  "COZE_JWT_OAUTH_PUBLIC_KEY_ID is not set",
                  "set it to the key's id from the Coze console"
                )
            })
            const privateKey = yield* Option.match(c.jwtPrivateKey, {
              onSome: Effect.succeed,
              onNone: () =>
                Option.match(c.jwtPrivateKeyFile, {
                  onSome: (file) =>
                    Effect.map(readKeyFile(file, "COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH"), Redacted.make),
                  onNone: () =>
                    configError(
                      "COZE_JWT_OAUTH_PRIVATE_KEY",
                      "the JWT app has no private key",
                      "set COZE_JWT_OAUTH_PRIVATE_KEY or COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH"
                    )
                })
            })
            return Option.some<App>({ flow: "jwt", clientId, privateKey, publicKeyId })
          }),
        onNone: () =>
          Effect.succeed(
            Option.orElse(
              Option.map(c.deviceClientId, (clientId): App => ({ flow: "device", clientId })),
              () =>
                Option.map(
                  c.pkceClientId,
                  (clientId): App => ({ flow: "pkce", clientId, redirectUri: c.pkceRedirectUri })
                )
            )
          )
      })
  })
  return Option.map(app, (app) => ({ name: defaultName, region, app }))
})

// ---------------------------------------------------------------------------------------------------------------
// More profiles, from profiles.json

/** An app entry: the console's JSON (core's schema and checks) plus what a profile adds. */
const AppEntry = Schema.Struct({
  ...OAuthApp.ConsoleJson.fields,
  // A web app needs a server of its own to receive the code; the pkce app of the same Coze app does the job here.
  client_type: Schema.Literal("device", "pkce", "jwt"),
  region: Schema.optional(Schema.Literal("com", "cn")),
  redirect_uri: Schema.optional(Schema.String),
  private_key_file: Schema.optional(Schema.String)
})

/** A static token, named by the environment variable that holds it: the file keeps no secret. */
const TokenEntry = Schema.Struct({
  client_type: Schema.Literal("token"),
  token_env: Schema.String.pipe(Schema.pattern(/^[A-Za-z_][A-Za-z0-9_]*$/)),
  region: AppEntry.fields.region,
  coze_api_base: AppEntry.fields.coze_api_base,
  coze_www_base: AppEntry.fields.coze_www_base
})

const ProfilesFile = Schema.Record({
  key: Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9._-]{1,64}$/)),
  value: Schema.Unknown
})

export const fileName = "profiles.json"

const malformed = { client_type: "must be one of device, pkce, jwt, token", region: "must be com or cn" }

/** `coze_api_base` wins over the `region` shorthand; coze.com when neither is given. */
const regionOf = (entry: Pick<typeof AppEntry.Type, "region" | "coze_api_base" | "coze_www_base">): Region.Region =>
  entry.coze_api_base !== undefined
    ? Region.fromApiBase(entry.coze_api_base, entry.coze_www_base)
    : entry.region === "cn"
      ? Region.cn
      : Region.com

/** `private_key_file` stands in for `private_key`: read first, so the console's checks see a key. */
const withKeyFile = (entry: unknown, at: string, home: string) => {
  if (!Predicate.isRecord(entry) || typeof entry.private_key_file !== "string" || entry.private_key !== undefined)
    return Effect.succeed(entry)
  const file = path.resolve(home, entry.private_key_file)
  return Effect.map(readKeyFile(file, `${at}.private_key_file`), (private_key): unknown => ({ ...entry, private_key }))
}

const appOf = (app: OAuthApp.AppOf<typeof AppEntry.Type.client_type>, entry: typeof AppEntry.Type): App => {
  switch (app._tag) {
    case "Device":
      return { flow: "device", clientId: app.clientId }
    case "Pkce":
      return { flow: "pkce", clientId: app.clientId, redirectUri: Option.fromNullable(entry.redirect_uri) }
    case "Jwt":
      return { flow: "jwt", clientId: app.clientId, privateKey: app.privateKey, publicKeyId: app.publicKeyId }
  }
}

const specOf = (
  name: string,
  entry: unknown,
  home: string
): Effect.Effect<ProfileSpec, CozeError.ConfigError, FileSystem.FileSystem> => {
  const options = { at: `${fileName}: ${name}`, malformed }
  if (Predicate.isRecord(entry) && entry.client_type === "token")
    return Effect.gen(function* () {
      const decoded = yield* OAuthApp.decodeJson(TokenEntry, options)(entry)
      const token = yield* Config.redacted(decoded.token_env).pipe(
        Effect.mapError(() =>
          configError(
            `${options.at}.token_env`,
            `profile "${name}" reads its token from ${decoded.token_env}, which is not set`,
            `set ${decoded.token_env} in the server's environment`
          )
        )
      )
      return { name, region: regionOf(decoded), app: { flow: "token", token } }
    })
  return Effect.gen(function* () {
    const [app, decoded] = yield* OAuthApp.fromJsonWith(AppEntry, options)(yield* withKeyFile(entry, options.at, home))
    return { name, region: regionOf(decoded), app: appOf(app, decoded) }
  })
}

/** The profiles in `<home>/profiles.json`; none when the file does not exist. */
export const fromFile = (
  home: string
): Effect.Effect<ReadonlyArray<ProfileSpec>, CozeError.ConfigError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const file = path.join(home, fileName)
    const exists = yield* fs.exists(file).pipe(Effect.orElseSucceed(() => false))
    if (!exists) return []
    const text = yield* fs
      .readFileString(file)
      .pipe(Effect.mapError(() => configError(fileName, `cannot read ${file}`, "check its permissions")))
    const entries = yield* OAuthApp.decodeJson(ProfilesFile, { at: fileName })(text)
    return yield* Effect.forEach(Object.entries(entries), ([name, entry]) => specOf(name, entry, home))
  })

/** Every configured profile, the default one (if any) first; an env-configured default wins over the file's. */
export const load = (home: string) =>
  Effect.gen(function* () {
    const fromEnvironment = yield* fromEnv
    const fromProfilesFile = yield* fromFile(home)
    return Option.match(fromEnvironment, {
      onNone: () => fromProfilesFile,
      onSome: (spec) => [spec, ...fromProfilesFile.filter((p) => p.name !== defaultName)]
    })
  })
