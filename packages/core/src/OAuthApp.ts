/**
 * The OAuth app JSON the Coze console lets you download (`coze_oauth_config.json`), loaded into a typed app
 * description that the flows' `make` accept. Every missing or malformed field is reported by name in one
 * `ConfigError`, and no field's value (a secret, a key) is ever quoted.
 *
 * @since 0.1.0
 */
import { Data, Effect, Either, ParseResult, Redacted, Schema } from "effect"
import type { ConfigError } from "./CozeError.js"
import { fromProblems } from "./internal/configError.js"
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

const HttpUrl = Schema.String.pipe(Schema.pattern(/^https?:\/\/[^\s/]+/))

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
  coze_api_base: Schema.optional(HttpUrl),
  coze_www_base: Schema.optional(HttpUrl)
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

const schemaProblems = (error: ParseResult.ParseError): ReadonlyArray<Problem> =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => {
    const field = issue.path.join(".") || "(root)"
    const message =
      issue._tag === "Missing"
        ? "is missing"
        : field === "client_type"
          ? "must be one of web, pkce, device, jwt"
          : field === "(root)"
            ? "is not a JSON object"
            : "is malformed"
    return { field, message }
  })

const isObject = (input: unknown): input is Record<string, unknown> =>
  typeof input === "object" && input !== null && !Array.isArray(input)

/** Missing per-type fields, judged on the raw input so they add to the schema's problems. */
const typeProblems = (input: Record<string, unknown>): ReadonlyArray<Problem> => {
  const type = input.client_type
  if (typeof type !== "string" || !(type in required)) return []
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

const parse = (text: string): Either.Either<unknown, ConfigError> =>
  Either.try({
    try: () => JSON.parse(text) as unknown,
    catch: () => fromProblems([{ field: "(root)", message: "is not valid JSON" }])
  })

/**
 * Loads the console's JSON, from its text or an already parsed value.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromJson = (input: string | unknown): Effect.Effect<OAuthApp, ConfigError> =>
  Effect.gen(function* () {
    const value = typeof input === "string" ? yield* parse(input) : input
    if (!isObject(value)) return yield* fromProblems([{ field: "(root)", message: "is not a JSON object" }])
    const decoded = Schema.decodeUnknownEither(ConsoleJson, { errors: "all" })(value)
    const problems = [...(Either.isLeft(decoded) ? schemaProblems(decoded.left) : []), ...typeProblems(value)]
    if (problems.length > 0 || Either.isLeft(decoded)) return yield* fromProblems(problems)
    return toApp(decoded.right)
  })
