/**
 * The OAuth app JSON the Coze console lets you download (`coze_oauth_config.json`), loaded into a typed app
 * description that the flows' `make` accept. Every missing or malformed field is reported by name in one
 * `ConfigError`, and no field's value (a secret, a key) is ever quoted.
 *
 * @since 0.1.0
 */
import { Data, Effect, Either, ParseResult, Redacted, Schema } from "effect"
import { type ConfigError, configErrorOf } from "./CozeError.js"
import * as Region from "./Region.js"

/**
 * An app of each kind, with what its flow needs. `Web` fits `WebOAuth.make`, `Pkce` `PkceOAuth.make`,
 * `Device` `DeviceOAuth.make` and `Jwt` `JwtOAuth.make`.
 *
 * @since 0.1.0
 * @category Models
 */
export type OAuthApp = Data.TaggedEnum<{
  Web: { readonly clientId: string; readonly clientSecret: Redacted.Redacted<string>; readonly region: Region.Region }
  Pkce: { readonly clientId: string; readonly region: Region.Region }
  Device: { readonly clientId: string; readonly region: Region.Region }
  Jwt: {
    readonly clientId: string
    readonly privateKey: Redacted.Redacted<string>
    readonly publicKeyId: string
    readonly region: Region.Region
  }
}>

/**
 * @since 0.1.0
 * @category Constructors
 */
export const OAuthApp = Data.taggedEnum<OAuthApp>()

/**
 * Parsed for real (a pattern would pass `https://api.coze.cn:99999`, which fails only when used), and an
 * almost-right public host is named with the value to use (see `Region.baseUrlProblem`).
 */
const BaseUrl = (role: "api" | "www") => Schema.String.pipe(Schema.filter((url) => Region.baseUrlProblem(url, role)))

/**
 * The console's JSON, as downloaded.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const ConsoleJson = Schema.Struct({
  client_type: Schema.Literal("web", "pkce", "device", "jwt"),
  client_id: Schema.NonEmptyString,
  client_secret: Schema.optional(Schema.String),
  private_key: Schema.optional(Schema.String),
  public_key_id: Schema.optional(Schema.String),
  coze_api_base: Schema.optional(BaseUrl("api")),
  coze_www_base: Schema.optional(BaseUrl("www"))
})

/**
 * @since 0.1.0
 * @category Models
 */
export type ConsoleJson = typeof ConsoleJson.Type

/** Fields each client type needs on top of `client_id`. */
const required: Record<ConsoleJson["client_type"], ReadonlyArray<keyof ConsoleJson>> = {
  web: ["client_secret"],
  pkce: [],
  device: [],
  jwt: ["private_key", "public_key_id"]
}

type Problem = { readonly field: string; readonly message: string }

/**
 * How a decode words its problems.
 *
 * @since 0.1.0
 * @category Models
 */
export interface DecodeOptions {
  /** Where the object sits, put before every field's name: `profiles.json: bot` gives `profiles.json: bot.client_id`. */
  readonly at?: string | undefined
  /** What to say about a malformed field instead of "is malformed", by field name (never quoting its value). */
  readonly malformed?: Readonly<Record<string, string>> | undefined
}

/** Our refinements say what to do; Effect's built-in ones ("Expected …, actual …") would quote the value. */
const ownMessage = (issue: ParseResult.ArrayFormatterIssue) =>
  issue._tag === "Refinement" && !issue.message.startsWith("Expected ")

/** One problem per field: a union of literals fails once per member; our refinement's message wins. */
const schemaProblems = (
  error: ParseResult.ParseError,
  malformed: DecodeOptions["malformed"]
): ReadonlyArray<Problem> => {
  const byField = new Map<string, string>()
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
    const field = issue.path.join(".") || "(root)"
    const message =
      issue._tag === "Missing"
        ? "is missing"
        : ownMessage(issue)
          ? issue.message
          : (malformed?.[field] ?? (field === "(root)" ? "is not a JSON object" : "is malformed"))
    if (!byField.has(field) || ownMessage(issue)) byField.set(field, message)
  }
  return Array.from(byField, ([field, message]) => ({ field, message }))
}

const isObject = (input: unknown): input is Record<string, unknown> =>
  typeof input === "object" && input !== null && !Array.isArray(input)

/** Missing per-type fields, judged on the raw input so they add to the schema's problems (moot if the type is wrong). */
const typeProblems = (input: Record<string, unknown>, found: ReadonlyArray<Problem>): ReadonlyArray<Problem> => {
  const type = input.client_type
  if (typeof type !== "string" || !(type in required) || found.some(({ field }) => field === "client_type")) return []
  return required[type as ConsoleJson["client_type"]]
    .filter((field) => typeof input[field] !== "string" || input[field] === "")
    .map((field) => ({ field, message: `is required for client_type ${type}` }))
}

const toApp = (json: ConsoleJson): OAuthApp => {
  const region = Region.fromApiBase(json.coze_api_base ?? Region.com.apiBase, json.coze_www_base)
  const clientId = json.client_id
  switch (json.client_type) {
    case "web":
      return OAuthApp.Web({ clientId, clientSecret: Redacted.make(json.client_secret ?? ""), region })
    case "pkce":
      return OAuthApp.Pkce({ clientId, region })
    case "device":
      return OAuthApp.Device({ clientId, region })
    case "jwt":
      return OAuthApp.Jwt({
        clientId,
        privateKey: Redacted.make(json.private_key ?? ""),
        publicKeyId: json.public_key_id ?? "",
        region
      })
  }
}

const parse = (text: string): Either.Either<unknown, ReadonlyArray<Problem>> =>
  Either.try({
    try: () => JSON.parse(text) as unknown,
    catch: () => [{ field: "(root)", message: "is not valid JSON" }]
  })

const decodeChecked = <A, I>(
  schema: Schema.Schema<A, I>,
  input: string | unknown,
  options: DecodeOptions | undefined,
  moreProblems: (value: Record<string, unknown>, found: ReadonlyArray<Problem>) => ReadonlyArray<Problem>
): Effect.Effect<A, ConfigError> =>
  Effect.gen(function* () {
    const value = typeof input === "string" ? yield* parse(input) : input
    if (!isObject(value)) return yield* Either.left([{ field: "(root)", message: "is not a JSON object" }])
    const decoded = Schema.decodeUnknownEither(schema, { errors: "all" })(value)
    const found = Either.isLeft(decoded) ? schemaProblems(decoded.left, options?.malformed) : []
    const problems = [...found, ...moreProblems(value, found)]
    if (problems.length > 0 || Either.isLeft(decoded)) return yield* Either.left(problems)
    return decoded.right
  }).pipe(
    Effect.mapError((problems) => {
      const at = options?.at
      return configErrorOf(
        at === undefined
          ? problems
          : problems.map(({ field, message }) => ({ field: field === "(root)" ? at : `${at}.${field}`, message }))
      )
    })
  )

/**
 * Decodes any JSON object (text or parsed) with `schema`, failing the way `fromJson` does: one `ConfigError`
 * naming every missing or malformed field, quoting no value.
 *
 * @since 0.1.0
 * @category Decoding
 */
export const decodeJson =
  <A, I>(schema: Schema.Schema<A, I>, options?: DecodeOptions) =>
  (input: string | unknown): Effect.Effect<A, ConfigError> =>
    decodeChecked(schema, input, options, () => [])

/**
 * Loads an extension of the console's JSON: `schema` is `ConsoleJson`'s fields plus fields of the caller's (a
 * profiles file adds `region`, say), maybe narrowing one (`client_type`). Checked like `fromJson`, in one pass
 * with one `ConfigError`; succeeds with the app and everything decoded.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromJsonWith =
  <A extends ConsoleJson, I>(schema: Schema.Schema<A, I>, options?: DecodeOptions) =>
  (input: string | unknown): Effect.Effect<readonly [AppOf<A["client_type"]>, A], ConfigError> =>
    Effect.map(
      decodeChecked(schema, input, options, typeProblems),
      // `toApp` makes the variant named by `client_type`, so a narrowed type gives a narrowed app.
      (json) => [toApp(json) as AppOf<A["client_type"]>, json] as const
    )

/**
 * The app a `client_type` loads as: `"jwt"` gives `Jwt`, and so on.
 *
 * @since 0.1.0
 * @category Models
 */
export type AppOf<Type extends ConsoleJson["client_type"]> = Extract<OAuthApp, { readonly _tag: Capitalize<Type> }>

const consoleOptions: DecodeOptions = { malformed: { client_type: "must be one of web, pkce, device, jwt" } }

/**
 * Loads the console's JSON, from its text or an already parsed value.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromJson = (input: string | unknown): Effect.Effect<OAuthApp, ConfigError> =>
  Effect.map(fromJsonWith(ConsoleJson, consoleOptions)(input), ([app]) => app)
