/**
 * More profiles, from `profiles.json`: each entry is the console's app JSON (core's `OAuthApp` schema, one
 * member per `client_type`) plus what a profile adds, or a static token. Every entry loads or fails alone.
 */
import * as path from "node:path"
import * as CozeError from "@coze-auth/core/CozeError"
import * as OAuthApp from "@coze-auth/core/OAuthApp"
import * as Region from "@coze-auth/core/Region"
import { FileSystem } from "@effect/platform"
import { Effect, Either, Option, Predicate, Redacted, Schema } from "effect"
import type { App, Broken, ProfileSpec, Sources } from "../ProfileSpec.js"
import { setting } from "./envProfile.js"
import * as Problems from "./problems.js"

export const fileName = "profiles.json"

const configError = (field: string, description: string, hint: string) =>
  new CozeError.ConfigError({ field, description, hint })

const reasonOf = (error: { readonly _tag: string; readonly reason?: unknown }) =>
  error._tag === "SystemError" && typeof error.reason === "string" ? ` (${error.reason})` : ""

/** What is wrong with a profile name, `undefined` when nothing (see `ProfileSpec.nameProblem`). */
export const nameProblem = (name: string): string | undefined => {
  if (name === "") return "is empty"
  if (/\p{Cc}/u.test(name)) return "contains a control character"
  if (name.trim() !== name) return "starts or ends with a space"
  if ([...name].length > 64) return "is longer than 64 characters"
  return undefined
}

/** What a profile adds to the console's fields. */
const profileFields = {
  region: Schema.optional(Schema.Literal("com", "cn")),
  redirect_uri: Schema.optional(Schema.String),
  private_key_file: Schema.optional(Schema.String),
  default: Schema.optional(Schema.Boolean)
}

/** The console's fields of one client type, the profile's among them (before the type's own, which come last). */
const appEntry = <Fields extends { readonly client_type: Schema.Schema.Any }>(fields: Fields) =>
  Schema.Struct({ ...OAuthApp.commonFields, ...profileFields, ...fields })

/**
 * An entry: a device, pkce or jwt app (a web app needs a server of its own to receive the code; the pkce app
 * of the same Coze app does the job here), or a static token, named by the environment variable that holds
 * it (the file keeps no secret) or stored.
 */
const Entry = Schema.Union(
  appEntry(OAuthApp.typeFields.device),
  appEntry(OAuthApp.typeFields.pkce),
  appEntry(OAuthApp.typeFields.jwt),
  Schema.Struct({
    client_type: Schema.Literal("token"),
    token_env: Schema.optional(Schema.String.pipe(Schema.pattern(/^[A-Za-z_][A-Za-z0-9_]*$/))),
    region: profileFields.region,
    coze_api_base: OAuthApp.commonFields.coze_api_base,
    coze_www_base: OAuthApp.commonFields.coze_www_base,
    default: profileFields.default
  })
)

type Entry = typeof Entry.Type

const ProfilesFile = Schema.Record({ key: Schema.String, value: Schema.Unknown })

const malformed = {
  client_type: "must be one of device, pkce, jwt, token (a web app's pkce or device app does the job here)",
  region: "must be com or cn",
  default: "must be true or false",
  token_env: "must be an environment variable's name"
}

/** `coze_api_base` wins over the `region` shorthand; coze.com when neither is given. */
const regionOf = (entry: Entry): Region.Region =>
  entry.coze_api_base !== undefined
    ? Region.fromApiBase(entry.coze_api_base, entry.coze_www_base)
    : entry.region === "cn"
      ? Region.cn
      : Region.com

const readKeyFile = (file: string, field: string) =>
  FileSystem.FileSystem.pipe(
    Effect.flatMap((fs) => fs.readFileString(file)),
    Effect.mapError((error) =>
      configError(
        field,
        `${field}: cannot read the private key file ${file}${reasonOf(error)}`,
        "check the path and its permissions"
      )
    )
  )

/**
 * `private_key_file` stands in for `private_key`: read first, so the console's checks see a key. An unreadable
 * file still lets the entry be decoded (with a stand-in key), so its other faults are reported too.
 */
const withKeyFile = (
  entry: unknown,
  at: string,
  home: string
): Effect.Effect<readonly [unknown, Option.Option<CozeError.ConfigError>], never, FileSystem.FileSystem> => {
  if (
    !Predicate.isRecord(entry) ||
    entry.client_type !== "jwt" ||
    typeof entry.private_key_file !== "string" ||
    entry.private_key !== undefined
  )
    return Effect.succeed([entry, Option.none()])
  return readKeyFile(path.resolve(home, entry.private_key_file), `${at}.private_key_file`).pipe(
    Effect.map((private_key) => [{ ...entry, private_key }, Option.none()] as const),
    Effect.catchAll((error) => Effect.succeed([{ ...entry, private_key: "unread" }, Option.some(error)] as const))
  )
}

/** A token entry's token: read from the variable `token_env` names, or `None` (kept in the token store). */
const tokenOf = (at: string, variable: string | undefined) =>
  variable === undefined
    ? Effect.succeedNone
    : setting(variable).pipe(
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

const appOf = (at: string, entry: Entry): Effect.Effect<App, CozeError.ConfigError> => {
  switch (entry.client_type) {
    case "token":
      return Effect.map(tokenOf(at, entry.token_env), (token): App => ({ flow: "token", token }))
    case "device":
      return Effect.succeed({ flow: "device", clientId: entry.client_id })
    case "pkce":
      return Effect.succeed({
        flow: "pkce",
        clientId: entry.client_id,
        redirectUri: Option.fromNullable(entry.redirect_uri)
      })
    case "jwt":
      return Effect.succeed({
        flow: "jwt",
        clientId: entry.client_id,
        privateKey: entry.private_key,
        publicKeyId: entry.public_key_id
      })
  }
}

/** Core's env var names, as this entry's fields: what the flows' own checks say is reworded with them. */
const sourcesOf = (at: string, entry: Entry): Sources => {
  if (entry.client_type === "token")
    return {
      COZE_API_BASE: `${at}.coze_api_base`,
      COZE_WWW_BASE: `${at}.coze_www_base`,
      ...(entry.token_env === undefined ? {} : { COZE_API_TOKEN: entry.token_env })
    }
  return {
    COZE_API_BASE: `${at}.coze_api_base`,
    COZE_WWW_BASE: `${at}.coze_www_base`,
    COZE_JWT_OAUTH_CLIENT_ID: `${at}.client_id`,
    COZE_DEVICE_OAUTH_CLIENT_ID: `${at}.client_id`,
    COZE_PKCE_OAUTH_CLIENT_ID: `${at}.client_id`,
    COZE_JWT_OAUTH_PUBLIC_KEY_ID: `${at}.public_key_id`,
    COZE_JWT_OAUTH_PRIVATE_KEY: `${at}.${entry.private_key_file === undefined ? "private_key" : "private_key_file"}`,
    COZE_PKCE_OAUTH_REDIRECT_URI: `${at}.redirect_uri`
  }
}

interface Loaded {
  readonly spec: ProfileSpec
  readonly isDefault: boolean
}

const entryOf = (
  name: string,
  raw: unknown,
  home: string
): Effect.Effect<Loaded, CozeError.ConfigError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const at = `${fileName}: ${name}`
    const [input, keyError] = yield* withKeyFile(raw, at, home)
    const decoded = yield* Effect.either(OAuthApp.decodeJson(Entry, { at, malformed })(input))
    if (Option.isSome(keyError) || Either.isLeft(decoded))
      return yield* Effect.fail(
        Problems.merge([...Option.toArray(keyError), ...Option.toArray(Either.getLeft(decoded))])
      )
    const entry = decoded.right
    const app = yield* appOf(at, entry)
    const spec: ProfileSpec = { name, region: regionOf(entry), app, origin: "file", sources: sourcesOf(at, entry) }
    return { spec, isDefault: entry.default === true }
  })

/** The profiles in `<home>/profiles.json` (see `ProfileSpec.fromFile`). */
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
        configError(fileName, `cannot read ${file}${reasonOf(error)}`, "check its permissions")
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
    const fileError =
      defaults.length > 1
        ? Option.some(
            configError(
              defaults.map((name) => `${fileName}: ${name}.default`).join(", "),
              `${fileName}: ${defaults.length} profiles say "default": true (${defaults.join(", ")})`,
              "mark one at most"
            )
          )
        : Option.none()
    return { specs, broken, fileError, defaultProfile: Option.fromNullable(defaults[0]) }
  })
