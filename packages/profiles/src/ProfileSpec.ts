/**
 * What a profile is before it is wired to a flow: a name, a region, an app, and where each setting came from.
 * The default profile comes from the Coze env vars (architecture §3); more come from `profiles.json` in
 * `COZE_AUTH_HOME`, a map from profile name to the Coze console's downloadable app JSON (decoded and checked
 * by core's `OAuthApp`), with `region`, `redirect_uri`, `private_key_file` and `default` added, or to a
 * static token (`client_type: "token"`), read from the variable `token_env` names or stored by
 * `coze-auth login --with-token`:
 *
 * ```json
 * { "国内": { "client_type": "device", "client_id": "…", "coze_api_base": "https://api.coze.cn", "default": true },
 *   "bot": { "client_type": "jwt", "client_id": "…", "public_key_id": "…", "private_key_file": "bot.pem", "region": "cn" },
 *   "pat": { "client_type": "token", "token_env": "COZE_CN_TOKEN", "region": "cn" } }
 * ```
 *
 * Loading never fails as a whole for one bad profile: each profile loads or is `Broken` with a `ConfigError`
 * that names it and every faulty setting by where it came from (an env var, or a `profiles.json` field).
 *
 * @since 0.1.0
 */

import * as path from "node:path"
import * as CozeError from "@coze-auth/core/CozeError"
import * as OAuthApp from "@coze-auth/core/OAuthApp"
import * as Region from "@coze-auth/core/Region"
import { FileSystem } from "@effect/platform"
import { Config, Effect, Either, Option, Predicate, Redacted, Schema } from "effect"
import * as Problems from "./internal/problems.js"

/**
 * @since 0.1.0
 * @category Models
 */
export type App =
  /** `token`: from an env var; `None`: stored in the token store (`coze-auth login --with-token`). */
  | { readonly flow: "token"; readonly token: Option.Option<Redacted.Redacted> }
  | { readonly flow: "device"; readonly clientId: string }
  | { readonly flow: "pkce"; readonly clientId: string; readonly redirectUri: Option.Option<string> }
  | {
      readonly flow: "jwt"
      readonly clientId: string
      readonly privateKey: Redacted.Redacted
      readonly publicKeyId: string
    }

/**
 * Where a profile's settings came from, by the env var core's messages name them with: `{
 * COZE_JWT_OAUTH_PRIVATE_KEY: "profiles.json: bot.private_key_file" }`. Errors are reworded with it.
 *
 * @since 0.1.0
 * @category Models
 */
export type Sources = Readonly<Record<string, string>>

/**
 * @since 0.1.0
 * @category Models
 */
export interface ProfileSpec {
  readonly name: string
  readonly region: Region.Region
  readonly app: App
  /** `env` for the default profile of the `COZE_*` variables, `file` for a `profiles.json` entry. */
  readonly origin: "env" | "file" | "sandbox"
  readonly sources: Sources
}

/**
 * A configured profile that cannot be used, and why (naming it and every setting at fault).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Broken {
  readonly name: string
  readonly origin: ProfileSpec["origin"]
  readonly error: CozeError.ConfigError
}

/**
 * Everything configured: the usable profiles, the broken ones, and a `profiles.json` that cannot be read at
 * all (its profiles are then unknown).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Loaded {
  readonly specs: ReadonlyArray<ProfileSpec>
  readonly broken: ReadonlyArray<Broken>
  readonly fileError: Option.Option<CozeError.ConfigError>
  /** The profile used when none is named: the env's, else the entry with `"default": true` (else, for
   * `Profiles`, the first usable one). */
  readonly defaultProfile: Option.Option<string>
}

/**
 * @since 0.1.0
 * @category Models
 */
export const defaultName = "default"

/**
 * @since 0.1.0
 * @category Models
 */
export const fileName = "profiles.json"

const configError = (field: string, description: string, hint?: string) =>
  new CozeError.ConfigError({ field, description, ...(hint === undefined ? {} : { hint }) })

const readKeyFile = (file: string, field: string) =>
  FileSystem.FileSystem.pipe(
    Effect.flatMap((fs) => fs.readFileString(file)),
    Effect.mapError((error) =>
      configError(
        field,
        `${field}: cannot read the private key file ${file}${error._tag === "SystemError" ? ` (${error.reason})` : ""}`,
        "check the path and its permissions"
      )
    )
  )

/**
 * What is wrong with a profile name, `undefined` when nothing: any name a user can type is fine (CJK, spaces
 * inside), but not an empty one, one with control characters or spaces around it, or one over 64 characters.
 *
 * @since 0.1.0
 * @category Utils
 */
export const nameProblem = (name: string): string | undefined => {
  if (name === "") return "is empty"
  if (/\p{Cc}/u.test(name)) return "contains a control character"
  if (name.trim() !== name) return "starts or ends with a space"
  if ([...name].length > 64) return "is longer than 64 characters"
  return undefined
}

// ---------------------------------------------------------------------------------------------------------------
// The default profile, from the environment

/** An empty variable (`COZE_X=` left in a client's config) counts as unset. */
const setting = (name: string) => Config.option(Config.string(name)).pipe(Config.map(Option.filter((v) => v !== "")))

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

type Env = Readonly<Record<(typeof envNames)[number], Option.Option<string>>>

const readEnv: Effect.Effect<Env, CozeError.ConfigError> = Effect.mapError(
  Config.all(
    Object.fromEntries(envNames.map((name) => [name, setting(name)])) as Record<
      (typeof envNames)[number],
      Config.Config<Option.Option<string>>
    >
  ),
  CozeError.fromConfigError
)

const regionFromEnv = Effect.mapError(Region.config, CozeError.fromConfigError)

const noCredential = (set: ReadonlyArray<string>) => {
  const web = set.filter((name) => name.startsWith("COZE_WEB_OAUTH_"))
  return configError(
    set.join(", "),
    web.length > 0
      ? `${web.join(", ")} ${web.length > 1 ? "are" : "is"} set, but a web app needs a server of its own to receive the code`
      : `${set.join(", ")} ${set.length > 1 ? "are" : "is"} set, but no credential is`,
    "set COZE_DEVICE_OAUTH_CLIENT_ID or COZE_PKCE_OAUTH_CLIENT_ID (a device or PKCE app of the same Coze app), " +
      "COZE_JWT_OAUTH_* (a service app) or COZE_API_TOKEN (docs/mcp.md)"
  )
}

/** The flow's settings from the env: every missing one reported together. */
const appFromEnv = (env: Env): Effect.Effect<Option.Option<App>, CozeError.ConfigError, FileSystem.FileSystem> => {
  const token = env.COZE_API_TOKEN
  if (Option.isSome(token)) return Effect.succeedSome({ flow: "token", token: Option.some(Redacted.make(token.value)) })
  const jwtClientId = env.COZE_JWT_OAUTH_CLIENT_ID
  if (Option.isSome(jwtClientId))
    return Effect.gen(function* () {
      const problems: Array<CozeError.ConfigError> = []
      const publicKeyId = Option.getOrUndefined(env.COZE_JWT_OAUTH_PUBLIC_KEY_ID)
      if (publicKeyId === undefined)
        problems.push(
          configError(
            "COZE_JWT_OAUTH_PUBLIC_KEY_ID",
            "COZE_JWT_OAUTH_PUBLIC_KEY_ID is not set",
            "set COZE_JWT_OAUTH_PUBLIC_KEY_ID to the key's id from the Coze console"
          )
        )
      const inline = Option.map(env.COZE_JWT_OAUTH_PRIVATE_KEY, (pem) =>
        Either.right<Redacted.Redacted>(Redacted.make(pem))
      )
      const privateKey = yield* Option.match(inline, {
        onSome: Effect.succeed,
        onNone: () =>
          Option.match(env.COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH, {
            onSome: (file) =>
              Effect.either(Effect.map(readKeyFile(file, "COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH"), Redacted.make)),
            onNone: () =>
              Effect.succeed(
                Either.left(
                  configError(
                    "COZE_JWT_OAUTH_PRIVATE_KEY",
                    "the JWT app has no private key",
                    "set COZE_JWT_OAUTH_PRIVATE_KEY or COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH"
                  )
                )
              )
          })
      })
      if (Either.isLeft(privateKey)) problems.push(privateKey.left)
      if (problems.length > 0 || publicKeyId === undefined || Either.isLeft(privateKey))
        return yield* Effect.fail(Problems.merge(problems))
      return Option.some<App>({ flow: "jwt", clientId: jwtClientId.value, privateKey: privateKey.right, publicKeyId })
    })
  const device = Option.map(env.COZE_DEVICE_OAUTH_CLIENT_ID, (clientId): App => ({ flow: "device", clientId }))
  const pkce = Option.map(
    env.COZE_PKCE_OAUTH_CLIENT_ID,
    (clientId): App => ({ flow: "pkce", clientId, redirectUri: env.COZE_PKCE_OAUTH_REDIRECT_URI })
  )
  return Effect.succeed(Option.orElse(device, () => pkce))
}

/**
 * The default profile from the Coze env vars: `None` when none is set, else the profile or why it is broken.
 * Which variables are set decides the flow, in this order: `COZE_API_TOKEN`, `COZE_JWT_OAUTH_*`,
 * `COZE_DEVICE_OAUTH_CLIENT_ID`, `COZE_PKCE_OAUTH_*`. A variable set without a credential to go with it (only
 * `COZE_WEB_OAUTH_*`, only `COZE_API_BASE`) is an error, not a silent "nothing configured".
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromEnv: Effect.Effect<
  Option.Option<Either.Either<ProfileSpec, Broken>>,
  never,
  FileSystem.FileSystem
> = Effect.gen(function* () {
  const env = yield* readEnv.pipe(Effect.orDie)
  const set = envNames.filter((name) => Option.isSome(env[name]))
  if (set.length === 0) return Option.none()
  const [region, app] = yield* Effect.all([Effect.either(regionFromEnv), Effect.either(appFromEnv(env))])
  const errors = [...Option.toArray(Either.getLeft(region)), ...Option.toArray(Either.getLeft(app))]
  const broken = (error: CozeError.ConfigError): Broken => ({
    name: defaultName,
    origin: "env",
    error: Problems.attribute(defaultName, error, {})
  })
  if (errors.length > 0) return Option.some(Either.left(broken(Problems.merge(errors))))
  if (Either.isLeft(region) || Either.isLeft(app)) return Option.none()
  if (Option.isNone(app.right)) return Option.some(Either.left(broken(noCredential(set))))
  // A key read from a file: the flow's check of "COZE_JWT_OAUTH_PRIVATE_KEY" is about the file's content.
  const sources: Sources =
    Option.isNone(env.COZE_JWT_OAUTH_PRIVATE_KEY) && Option.isSome(env.COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH)
      ? { COZE_JWT_OAUTH_PRIVATE_KEY: "COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH" }
      : {}
  return Option.some(
    Either.right({ name: defaultName, region: region.right, app: app.right.value, origin: "env", sources })
  )
})

// ---------------------------------------------------------------------------------------------------------------
// More profiles, from profiles.json

const isDefault = { default: Schema.optional(Schema.Boolean) }

/** An app entry: the console's JSON (core's schema and checks) plus what a profile adds. */
const AppEntry = Schema.Struct({
  ...OAuthApp.ConsoleJson.fields,
  // A web app needs a server of its own to receive the code; the pkce app of the same Coze app does the job here.
  client_type: Schema.Literal("device", "pkce", "jwt"),
  region: Schema.optional(Schema.Literal("com", "cn")),
  redirect_uri: Schema.optional(Schema.String),
  private_key_file: Schema.optional(Schema.String),
  ...isDefault
})

/** A static token, named by the environment variable that holds it (the file keeps no secret), or stored. */
const TokenEntry = Schema.Struct({
  client_type: Schema.Literal("token"),
  token_env: Schema.optional(Schema.String.pipe(Schema.pattern(/^[A-Za-z_][A-Za-z0-9_]*$/))),
  region: AppEntry.fields.region,
  coze_api_base: AppEntry.fields.coze_api_base,
  coze_www_base: AppEntry.fields.coze_www_base,
  ...isDefault
})

const ProfilesFile = Schema.Record({ key: Schema.String, value: Schema.Unknown })

const malformed = {
  client_type: "must be one of device, pkce, jwt, token (a web app's pkce or device app does the job here)",
  region: "must be com or cn",
  default: "must be true or false",
  token_env: "must be an environment variable's name"
}

/** `coze_api_base` wins over the `region` shorthand; coze.com when neither is given. */
const regionOf = (entry: Pick<typeof AppEntry.Type, "region" | "coze_api_base" | "coze_www_base">): Region.Region =>
  entry.coze_api_base !== undefined
    ? Region.fromApiBase(entry.coze_api_base, entry.coze_www_base)
    : entry.region === "cn"
      ? Region.cn
      : Region.com

/**
 * `private_key_file` stands in for `private_key`: read first, so the console's checks see a key. An unreadable
 * file still lets the entry be decoded (with a stand-in key), so its other faults are reported too.
 */
const withKeyFile = (
  entry: unknown,
  at: string,
  home: string
): Effect.Effect<readonly [unknown, Option.Option<CozeError.ConfigError>], never, FileSystem.FileSystem> => {
  if (!Predicate.isRecord(entry) || typeof entry.private_key_file !== "string" || entry.private_key !== undefined)
    return Effect.succeed([entry, Option.none()])
  const file = path.resolve(home, entry.private_key_file)
  return readKeyFile(file, `${at}.private_key_file`).pipe(
    Effect.map((private_key) => [{ ...entry, private_key }, Option.none()] as const),
    Effect.catchAll((error) => Effect.succeed([{ ...entry, private_key: "unread" }, Option.some(error)] as const))
  )
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

/** Core's env var names, as this entry's fields: what the flows' own checks say is reworded with them. */
const sourcesOf = (at: string, entry: unknown): Sources => {
  const keyFile = Predicate.isRecord(entry) && typeof entry.private_key_file === "string"
  return {
    COZE_API_BASE: `${at}.coze_api_base`,
    COZE_WWW_BASE: `${at}.coze_www_base`,
    COZE_JWT_OAUTH_CLIENT_ID: `${at}.client_id`,
    COZE_DEVICE_OAUTH_CLIENT_ID: `${at}.client_id`,
    COZE_PKCE_OAUTH_CLIENT_ID: `${at}.client_id`,
    COZE_JWT_OAUTH_PUBLIC_KEY_ID: `${at}.public_key_id`,
    COZE_JWT_OAUTH_PRIVATE_KEY: `${at}.${keyFile ? "private_key_file" : "private_key"}`,
    COZE_PKCE_OAUTH_REDIRECT_URI: `${at}.redirect_uri`
  }
}

interface Entry {
  readonly spec: ProfileSpec
  readonly isDefault: boolean
}

const entryOf = (
  name: string,
  entry: unknown,
  home: string
): Effect.Effect<Entry, CozeError.ConfigError, FileSystem.FileSystem> => {
  const at = `${fileName}: ${name}`
  const options = { at, malformed }
  const sources = sourcesOf(at, entry)
  if (Predicate.isRecord(entry) && entry.client_type === "token")
    return Effect.gen(function* () {
      const decoded = yield* OAuthApp.decodeJson(TokenEntry, options)(entry)
      const token = yield* Option.match(Option.fromNullable(decoded.token_env), {
        onNone: () => Effect.succeedNone,
        onSome: (variable) =>
          setting(variable).pipe(
            Effect.orDie,
            Effect.flatMap(
              Option.match({
                onSome: (value) => Effect.succeedSome(Redacted.make(value)),
                onNone: () =>
                  configError(
                    `${at}.token_env`,
                    `${at}.token_env names ${variable}, which is not set`,
                    `set ${variable} in the environment of the program that reads this profile`
                  )
              })
            )
          )
      })
      const spec: ProfileSpec = {
        name,
        region: regionOf(decoded),
        app: { flow: "token", token },
        origin: "file",
        sources: decoded.token_env === undefined ? sources : { ...sources, COZE_API_TOKEN: decoded.token_env }
      }
      return { spec, isDefault: decoded.default === true }
    })
  return Effect.gen(function* () {
    const [input, keyError] = yield* withKeyFile(entry, at, home)
    const decoded = yield* Effect.either(OAuthApp.fromJsonWith(AppEntry, options)(input))
    const errors = [...Option.toArray(keyError), ...(Either.isLeft(decoded) ? [decoded.left] : [])]
    if (errors.length > 0 || Either.isLeft(decoded)) return yield* Effect.fail(Problems.merge(errors))
    const [app, json] = decoded.right
    const spec: ProfileSpec = { name, region: regionOf(json), app: appOf(app, json), origin: "file", sources }
    return { spec, isDefault: json.default === true }
  })
}

/**
 * The profiles in `<home>/profiles.json`: each loaded or broken; a file that cannot be read or is no JSON
 * object is `fileError`. No file: nothing.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromFile = (
  home: string
): Effect.Effect<
  {
    readonly specs: ReadonlyArray<ProfileSpec>
    readonly broken: ReadonlyArray<Broken>
    readonly fileError: Option.Option<CozeError.ConfigError>
    readonly defaultProfile: Option.Option<string>
  },
  never,
  FileSystem.FileSystem
> =>
  Effect.gen(function* () {
    const none = { specs: [], broken: [], fileError: Option.none(), defaultProfile: Option.none() }
    const fs = yield* FileSystem.FileSystem
    const file = path.join(home, fileName)
    const exists = yield* fs.exists(file).pipe(Effect.orElseSucceed(() => false))
    if (!exists) return none
    const loaded = yield* fs.readFileString(file).pipe(
      Effect.mapError((error) =>
        configError(
          fileName,
          `cannot read ${file}${error._tag === "SystemError" ? ` (${error.reason})` : ""}`,
          "check its permissions"
        )
      ),
      Effect.flatMap(OAuthApp.decodeJson(ProfilesFile, { at: file })),
      Effect.either
    )
    if (Either.isLeft(loaded)) return { ...none, fileError: Option.some(loaded.left) }
    const specs: Array<ProfileSpec> = []
    const broken: Array<Broken> = []
    const defaults: Array<string> = []
    for (const [name, entry] of Object.entries(loaded.right)) {
      const problem = nameProblem(name)
      const outcome =
        problem === undefined
          ? yield* Effect.either(entryOf(name, entry, home))
          : Either.left(
              configError(
                `${fileName}: ${JSON.stringify(name)}`,
                `${fileName}: the profile name ${JSON.stringify(name)} ${problem}`,
                "rename the entry"
              )
            )
      if (Either.isLeft(outcome))
        broken.push({ name, origin: "file", error: Problems.attribute(name, outcome.left, {}) })
      else {
        specs.push(outcome.right.spec)
        if (outcome.right.isDefault) defaults.push(name)
      }
    }
    if (defaults.length > 1)
      return {
        specs,
        broken,
        fileError: Option.some(
          configError(
            defaults.map((name) => `${fileName}: ${name}.default`).join(", "),
            `${fileName}: ${defaults.length} profiles say "default": true (${defaults.join(", ")})`,
            "mark one at most"
          )
        ),
        defaultProfile: Option.fromNullable(defaults[0])
      }
    return { specs, broken, fileError: Option.none(), defaultProfile: Option.fromNullable(defaults[0]) }
  })

/**
 * Every configured profile: the env's default one (if any) first, then the file's; an env-configured
 * `default` wins over the file's entry of that name.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const load = (home: string): Effect.Effect<Loaded, never, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const env = yield* fromEnv
    const file = yield* fromFile(home)
    const envName = Option.map(env, () => defaultName)
    const notShadowed = <A extends { readonly name: string }>(items: ReadonlyArray<A>) =>
      Option.isSome(envName) ? items.filter((item) => item.name !== defaultName) : items
    const specs = [...Option.toArray(Option.flatMap(env, Either.getRight)), ...notShadowed(file.specs)]
    const broken = [...Option.toArray(Option.flatMap(env, Either.getLeft)), ...notShadowed(file.broken)]
    return {
      specs,
      broken,
      fileError: file.fileError,
      defaultProfile: Option.orElse(envName, () => file.defaultProfile)
    }
  })

/**
 * Whether anything at all is configured: no profile, broken profile or unreadable file (the only case in
 * which the MCP server may start its sandbox on its own).
 *
 * @since 0.1.0
 * @category Utils
 */
export const isEmpty = (loaded: Loaded): boolean =>
  loaded.specs.length === 0 && loaded.broken.length === 0 && Option.isNone(loaded.fileError)

/**
 * Profiles made in code (a sandbox, a test), as if loaded: the first is the default.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromSpecs = (specs: ReadonlyArray<ProfileSpec>): Loaded => ({
  specs,
  broken: [],
  fileError: Option.none(),
  defaultProfile: Option.fromNullable(specs[0]?.name)
})
