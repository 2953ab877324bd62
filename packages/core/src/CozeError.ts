/**
 * Every way getting or keeping a Coze credential can fail, as `Schema.TaggedError`s. Errors from the
 * server keep the HTTP status and the `X-Tt-Logid` log id (quote it to Coze support); errors that a
 * wrong region, key or redirect can cause carry a `hint` saying what to do. No message contains a secret.
 *
 * @since 0.1.0
 */
import { ConfigError as EffectConfigError, Predicate, Schema } from "effect"

/**
 * Marks every `CozeError`: the guard checks it, not a list of tags.
 *
 * @since 0.1.0
 * @category Type ids
 */
export const TypeId: unique symbol = Symbol.for("@coze-auth/core/CozeError")

/**
 * @since 0.1.0
 * @category Type ids
 */
export type TypeId = typeof TypeId

const prefix = "@coze-auth/core/CozeError"

const ServerFields = {
  /** One line: what went wrong. */
  description: Schema.String,
  /** The HTTP status, when a server answered. */
  status: Schema.optional(Schema.Number),
  /** The `X-Tt-Logid` of the answer. */
  logId: Schema.optional(Schema.String),
  /** What to do about it, when we know. */
  hint: Schema.optional(Schema.String)
}

const render = (error: {
  readonly description: string
  readonly hint?: string | undefined
  readonly logId?: string | undefined
}): string =>
  error.description +
  (error.hint === undefined ? "" : `; ${error.hint}`) +
  (error.logId === undefined ? "" : ` (log id ${error.logId})`)

/**
 * Device flow: the user has not approved yet; poll again after the interval.
 *
 * @since 0.1.0
 * @category Errors
 */
export class AuthorizationPending extends Schema.TaggedError<AuthorizationPending>(`${prefix}/AuthorizationPending`)(
  "AuthorizationPending",
  ServerFields
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return render(this)
  }
}

/**
 * Device flow: polled too fast; the interval grows by 5 seconds.
 *
 * @since 0.1.0
 * @category Errors
 */
export class SlowDown extends Schema.TaggedError<SlowDown>(`${prefix}/SlowDown`)("SlowDown", ServerFields) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return render(this)
  }
}

/**
 * The user denied the request (`access_denied`), or Coze refused the app (`access_deny`).
 *
 * @since 0.1.0
 * @category Errors
 */
export class AccessDenied extends Schema.TaggedError<AccessDenied>(`${prefix}/AccessDenied`)(
  "AccessDenied",
  ServerFields
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return render(this)
  }
}

/**
 * Device flow: the device code expired before the user approved; start a new login.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ExpiredToken extends Schema.TaggedError<ExpiredToken>(`${prefix}/ExpiredToken`)(
  "ExpiredToken",
  ServerFields
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return render(this)
  }
}

/**
 * The code or refresh token is invalid, used or expired; the user must log in again.
 *
 * @since 0.1.0
 * @category Errors
 */
export class InvalidGrant extends Schema.TaggedError<InvalidGrant>(`${prefix}/InvalidGrant`)(
  "InvalidGrant",
  ServerFields
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return render(this)
  }
}

/**
 * The client credential (secret or signed JWT) was rejected: wrong secret, key id or region.
 *
 * @since 0.1.0
 * @category Errors
 */
export class InvalidClient extends Schema.TaggedError<InvalidClient>(`${prefix}/InvalidClient`)(
  "InvalidClient",
  ServerFields
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return render(this)
  }
}

/**
 * The server rejected a parameter of the request.
 *
 * @since 0.1.0
 * @category Errors
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>(`${prefix}/InvalidRequest`)(
  "InvalidRequest",
  ServerFields
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return render(this)
  }
}

/**
 * The app type does not support this grant.
 *
 * @since 0.1.0
 * @category Errors
 */
export class UnsupportedGrantType extends Schema.TaggedError<UnsupportedGrantType>(`${prefix}/UnsupportedGrantType`)(
  "UnsupportedGrantType",
  ServerFields
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return render(this)
  }
}

/**
 * The app was deactivated by its owner; its tokens stop working until it is enabled again.
 *
 * @since 0.1.0
 * @category Errors
 */
export class AppDisabled extends Schema.TaggedError<AppDisabled>(`${prefix}/AppDisabled`)("AppDisabled", ServerFields) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return render(this)
  }
}

/**
 * The OpenAPI rejected the access token (Coze code 4100 / 4101): expired, revoked, or from the other region.
 *
 * @since 0.1.0
 * @category Errors
 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>(`${prefix}/Unauthorized`)("Unauthorized", {
  ...ServerFields,
  /** The Coze business code: 4100 (invalid token) or 4101 (no permission). */
  code: Schema.optional(Schema.Number)
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return render(this)
  }
}

/**
 * The server failed (5xx, `internal_error`) or asked us to slow down (429); worth retrying later.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ServerError extends Schema.TaggedError<ServerError>(`${prefix}/ServerError`)("ServerError", {
  ...ServerFields,
  /** The server's `Retry-After`, when it sent one in seconds. */
  retryAfter: Schema.optional(Schema.DurationFromMillis)
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return render(this)
  }
}

/**
 * The `state` returned to the redirect URI is not the one the authorization URL carried: the callback may be
 * forged (CSRF) or belong to another login. Checked locally; the code is never sent to the server.
 *
 * @since 0.1.0
 * @category Errors
 */
export class StateMismatch extends Schema.TaggedError<StateMismatch>(`${prefix}/StateMismatch`)("StateMismatch", {
  description: Schema.String,
  hint: Schema.optional(Schema.String)
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return render(this)
  }
}

/**
 * What went wrong on the wire, when the cause tells: the name did not resolve (`Dns`), nothing listens
 * there (`Refused`), TLS failed (`Tls`), no complete answer came in time (`Timeout`), the connection was
 * reset or closed mid-answer (`Reset`), anything else (`Other`, with the cause kept).
 *
 * @since 0.1.0
 * @category Models
 */
export const TransportReason = Schema.Literal("Dns", "Refused", "Tls", "Timeout", "Reset", "Other")

/**
 * @since 0.1.0
 * @category Models
 */
export type TransportReason = typeof TransportReason.Type

/**
 * The request never got a complete answer: DNS failure, connection refused or reset, TLS failure, timeout.
 *
 * @since 0.1.0
 * @category Errors
 */
export class TransportError extends Schema.TaggedError<TransportError>(`${prefix}/TransportError`)("TransportError", {
  description: Schema.String,
  hint: Schema.optional(Schema.String),
  reason: Schema.optional(TransportReason),
  cause: Schema.optional(Schema.Defect)
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return render(this)
  }
}

/**
 * The server answered a request that carried a secret with a redirect. Such requests never follow one (to
 * any origin: the secret would go where the server says); `location` is where it pointed, usually a sign
 * of a wrong base URL (`http` for `https`, the www host for the api host).
 *
 * @since 0.1.0
 * @category Errors
 */
export class Redirected extends Schema.TaggedError<Redirected>(`${prefix}/Redirected`)("Redirected", {
  ...ServerFields,
  /** The `Location` the server sent, if any. */
  location: Schema.optional(Schema.String)
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return render(this)
  }
}

/**
 * The server answered something that is not the Coze protocol (a torn body, HTML from a proxy, a wrong base URL).
 *
 * @since 0.1.0
 * @category Errors
 */
export class MalformedResponse extends Schema.TaggedError<MalformedResponse>(`${prefix}/MalformedResponse`)(
  "MalformedResponse",
  {
    ...ServerFields,
    /** The field of the answer that is missing or not what the protocol sends, when one is to blame. */
    field: Schema.optional(Schema.String)
  }
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return render(this)
  }
}

/**
 * Configuration is missing or malformed: an env var, the console's app JSON, a PEM key.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ConfigError extends Schema.TaggedError<ConfigError>(`${prefix}/ConfigError`)("ConfigError", {
  description: Schema.String,
  hint: Schema.optional(Schema.String),
  /** The setting at fault: an env var name or a field of the app JSON. */
  field: Schema.optional(Schema.String)
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return render(this)
  }
}

/**
 * One `ConfigError` for many problems: `field` lists every setting at fault, the description says what is
 * wrong with each (never quoting a value: it may be a secret).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const configErrorOf = (
  problems: ReadonlyArray<{ readonly field: string; readonly message: string }>
): ConfigError =>
  new ConfigError({
    description: `invalid configuration: ${problems.map(({ field, message }) => `${field} ${message}`).join("; ")}`,
    field: problems.map(({ field }) => field).join(", ")
  })

/**
 * Effect's `ConfigError` tree (from reading `COZE_*` variables with `Config`) as one `ConfigError` naming
 * every setting at fault.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromConfigError = (error: EffectConfigError.ConfigError): ConfigError =>
  configErrorOf(
    EffectConfigError.reduceWithContext<
      undefined,
      ReadonlyArray<{ readonly field: string; readonly message: string; readonly missing?: boolean }>
    >(error, undefined, {
      andCase: (_, left, right) => [...left, ...right],
      // Neither of two alternatives is set (a key or its file): one setting at fault, naming the other.
      orCase: (_, left, right) => {
        const [first, ...rest] = [...left, ...right]
        return first !== undefined && [first, ...rest].every((problem) => problem.missing)
          ? [{ field: first.field, message: `is missing (or set ${rest.map(({ field }) => field).join(" or ")})` }]
          : [...left, ...right]
      },
      invalidDataCase: (_, path, message) => [{ field: path.join("_"), message }],
      missingDataCase: (_, path) => [{ field: path.join("_"), message: "is missing", missing: true }],
      sourceUnavailableCase: (_, path, message) => [{ field: path.join("_"), message }],
      unsupportedCase: (_, path, message) => [{ field: path.join("_"), message }]
    })
  )

/**
 * There is no credential for this profile yet (or it was logged out, or its refresh token died).
 *
 * @since 0.1.0
 * @category Errors
 */
export class NotAuthenticated extends Schema.TaggedError<NotAuthenticated>(`${prefix}/NotAuthenticated`)(
  "NotAuthenticated",
  { profile: Schema.String, description: Schema.String, hint: Schema.optional(Schema.String) }
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return render(this)
  }
}

/**
 * The token store could not be read or written (permissions, a full disk, a lock that would not come).
 *
 * @since 0.1.0
 * @category Errors
 */
export class TokenStoreError extends Schema.TaggedError<TokenStoreError>(`${prefix}/TokenStoreError`)(
  "TokenStoreError",
  { description: Schema.String, hint: Schema.optional(Schema.String), cause: Schema.optional(Schema.Defect) }
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return render(this)
  }
}

/**
 * @since 0.1.0
 * @category Models
 */
export type CozeError =
  | AuthorizationPending
  | SlowDown
  | AccessDenied
  | ExpiredToken
  | InvalidGrant
  | InvalidClient
  | InvalidRequest
  | UnsupportedGrantType
  | AppDisabled
  | Unauthorized
  | ServerError
  | StateMismatch
  | TransportError
  | MalformedResponse
  | Redirected
  | ConfigError
  | NotAuthenticated
  | TokenStoreError

/**
 * @since 0.1.0
 * @category Guards
 */
export const isCozeError = (u: unknown): u is CozeError => Predicate.hasProperty(u, TypeId)

/**
 * Failures worth retrying with backoff: the server or the network failed, not the protocol. A TLS failure is
 * not one: a certificate nobody trusts, or https:// to a plain HTTP server, fails the same way every time.
 *
 * @since 0.1.0
 * @category Guards
 */
export const isTransient = (error: CozeError): boolean =>
  (error._tag === "TransportError" && error.reason !== "Tls") || error._tag === "ServerError"
