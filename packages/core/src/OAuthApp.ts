/**
 * The OAuth app JSON the Coze console lets you download (`coze_oauth_config.json`), loaded into a typed app
 * description that the flows' `make` accept. Every missing or malformed field is reported by name in one
 * `ConfigError`, and no field's value (a secret, a key) is ever quoted.
 *
 * @since 0.1.0
 */
import { Data, Effect, Either, ParseResult, Predicate, type Redacted, Schema } from "effect"
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

/** What a field only some client types carry says when it is missing or empty. */
const neededBy = (type: string) => () => `is required for client_type ${type}`

const Needed = (type: string) => Schema.String.pipe(Schema.minLength(1, { message: neededBy(type) }))

const neededField = <S extends Schema.Schema.Any>(type: string, schema: S) =>
  Schema.propertySignature(schema).annotations({ missingMessage: neededBy(type) })

/**
 * The fields every client type has.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const commonFields = {
  client_id: Schema.NonEmptyString,
  coze_api_base: Schema.optional(BaseUrl("api")),
  coze_www_base: Schema.optional(BaseUrl("www"))
}

/**
 * The fields of each client type on top of `commonFields`: its `client_type` and what its flow needs.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const typeFields = {
  // Secrets are `Redacted` from the moment they are decoded.
  web: { client_type: Schema.Literal("web"), client_secret: neededField("web", Schema.Redacted(Needed("web"))) },
  pkce: { client_type: Schema.Literal("pkce") },
  device: { client_type: Schema.Literal("device") },
  jwt: {
    client_type: Schema.Literal("jwt"),
    private_key: neededField("jwt", Schema.Redacted(Needed("jwt"))),
    public_key_id: neededField("jwt", Needed("jwt"))
  }
}

/**
 * The console's JSON, as downloaded: one member per `client_type`, each requiring what its flow needs.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const ConsoleJson = Schema.Union(
  Schema.Struct({ ...commonFields, ...typeFields.web }),
  Schema.Struct({ ...commonFields, ...typeFields.pkce }),
  Schema.Struct({ ...commonFields, ...typeFields.device }),
  Schema.Struct({ ...commonFields, ...typeFields.jwt })
)

/**
 * @since 0.1.0
 * @category Models
 */
export type ConsoleJson = typeof ConsoleJson.Type

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
        ? issue.message // "is missing", or which client type requires it
        : ownMessage(issue)
          ? issue.message
          : (malformed?.[field] ?? (field === "(root)" ? "is not a JSON object" : "is malformed"))
    if (!byField.has(field) || ownMessage(issue)) byField.set(field, message)
  }
  return Array.from(byField, ([field, message]) => ({ field, message }))
}

const toApp = (json: ConsoleJson): OAuthApp => {
  const region = Region.fromApiBase(json.coze_api_base ?? Region.com.apiBase, json.coze_www_base)
  const clientId = json.client_id
  switch (json.client_type) {
    case "web":
      return OAuthApp.Web({ clientId, clientSecret: json.client_secret, region })
    case "pkce":
      return OAuthApp.Pkce({ clientId, region })
    case "device":
      return OAuthApp.Device({ clientId, region })
    case "jwt":
      return OAuthApp.Jwt({ clientId, privateKey: json.private_key, publicKeyId: json.public_key_id, region })
  }
}

const parseJson = Schema.decodeUnknownEither(Schema.parseJson())

const notValidJson: ReadonlyArray<Problem> = [{ field: "(root)", message: "is not valid JSON" }]

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
    Effect.gen(function* () {
      const value = typeof input === "string" ? yield* Either.mapLeft(parseJson(input), () => notValidJson) : input
      if (!Predicate.isRecord(value)) return yield* Either.left([{ field: "(root)", message: "is not a JSON object" }])
      return yield* Either.mapLeft(Schema.decodeUnknownEither(schema, { errors: "all" })(value), (error) =>
        schemaProblems(error, options?.malformed)
      )
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

const consoleOptions: DecodeOptions = { malformed: { client_type: "must be one of web, pkce, device, jwt" } }

/**
 * Loads the console's JSON, from its text or an already parsed value.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromJson = (input: string | unknown): Effect.Effect<OAuthApp, ConfigError> =>
  Effect.map(decodeJson(ConsoleJson, consoleOptions)(input), toApp)
