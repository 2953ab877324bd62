/**
 * What a profile is before it is wired to a flow: a name, a region and an app. The default profile comes from
 * the Coze env vars (architecture §3); more come from `profiles.json` in `COZE_AUTH_HOME`, a map from profile
 * name to an entry shaped like the Coze console's downloadable app JSON:
 *
 * ```json
 * { "cn": { "client_type": "device", "client_id": "…", "coze_api_base": "https://api.coze.cn" },
 *   "bot": { "client_type": "jwt", "client_id": "…", "public_key_id": "…", "private_key_file": "bot.pem", "region": "cn" } }
 * ```
 */

import * as path from "node:path"
import * as CozeError from "@coze-auth/core/CozeError"
import * as Region from "@coze-auth/core/Region"
import { FileSystem } from "@effect/platform"
import { Config, Effect, Option, ParseResult, Redacted, Schema } from "effect"

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
    Effect.map(Redacted.make),
    Effect.mapError(() =>
      configError(field, `cannot read the private key file ${file}`, "check the path and its permissions")
    )
  )

// ---------------------------------------------------------------------------------------------------------------
// The default profile, from the environment

const env = {
  token: Config.option(Config.redacted("COZE_API_TOKEN")),
  apiBase: Config.string("COZE_API_BASE").pipe(Config.withDefault(Region.com.apiBase)),
  wwwBase: Config.option(Config.string("COZE_WWW_BASE")),
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
  const c = yield* Config.all(env).pipe(
    Effect.mapError((e) => configError("COZE_*", `malformed Coze environment: ${e.message}`))
  )
  const region = Region.fromApiBase(c.apiBase, Option.getOrUndefined(c.wwwBase))
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
                  onSome: (file) => readKeyFile(file, "COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH"),
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

const Entry = Schema.Struct({
  client_type: Schema.Literal("device", "pkce", "jwt"),
  client_id: Schema.NonEmptyTrimmedString,
  region: Schema.optional(Schema.Literal("com", "cn")),
  coze_api_base: Schema.optional(Schema.String),
  coze_www_base: Schema.optional(Schema.String),
  redirect_uri: Schema.optional(Schema.String),
  private_key: Schema.optional(Schema.Redacted(Schema.String)),
  private_key_file: Schema.optional(Schema.String),
  public_key_id: Schema.optional(Schema.String)
})

const ProfilesFile = Schema.Record({ key: Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9._-]{1,64}$/)), value: Entry })

export const fileName = "profiles.json"

const regionOf = (entry: typeof Entry.Type): Region.Region =>
  entry.coze_api_base !== undefined
    ? Region.fromApiBase(entry.coze_api_base, entry.coze_www_base)
    : entry.region === "cn"
      ? Region.cn
      : Region.com

const appOf = (name: string, entry: typeof Entry.Type, home: string) =>
  Effect.gen(function* () {
    switch (entry.client_type) {
      case "device":
        return { flow: "device", clientId: entry.client_id } satisfies App
      case "pkce":
        return {
          flow: "pkce",
          clientId: entry.client_id,
          redirectUri: Option.fromNullable(entry.redirect_uri)
        } satisfies App
      case "jwt": {
        const field = (f: string) => `${fileName}: ${name}.${f}`
        if (entry.public_key_id === undefined)
          return yield* configError(field("public_key_id"), `profile "${name}" is a jwt app without public_key_id`)
        const privateKey =
          entry.private_key ??
          (entry.private_key_file === undefined
            ? yield* configError(
                field("private_key"),
                `profile "${name}" is a jwt app without private_key or private_key_file`
              )
            : yield* readKeyFile(path.resolve(home, entry.private_key_file), field("private_key_file")))
        return { flow: "jwt", clientId: entry.client_id, privateKey, publicKeyId: entry.public_key_id } satisfies App
      }
    }
  })

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
    const entries = yield* Schema.decodeUnknown(Schema.parseJson(ProfilesFile))(text).pipe(
      Effect.mapError((error) => {
        const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
        const at = issue === undefined || issue.path.length === 0 ? "" : `: ${issue.path.join(".")}`
        return configError(
          `${fileName}${at}`,
          `${file}${at}: ${issue?.message ?? "malformed"}`,
          "see docs/mcp.md for the profiles file format"
        )
      })
    )
    return yield* Effect.forEach(Object.entries(entries), ([name, entry]) =>
      Effect.map(appOf(name, entry, home), (app): ProfileSpec => ({ name, region: regionOf(entry), app }))
    )
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
