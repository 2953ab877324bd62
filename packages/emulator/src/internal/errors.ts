/**
 * The emulator's failures and how they look on the wire.
 *
 * Token-endpoint errors carry both naming schemes at once (`error_code`/`error_message` for go, py and
 * java; `error`/`error_description` for js and the device docs) with a non-2xx status, so that every
 * official SDK recognises them (protocol §5.1). OpenAPI calls fail with Coze's `{ code, msg, detail }`.
 */
import { HttpServerResponse } from "@effect/platform"
import { Data } from "effect"

/** A protocol error answered with the OAuth error body. */
export class OAuthError extends Data.TaggedError("OAuthError")<{
  readonly status: number
  readonly code: string
  readonly message: string
}> {}

/** A missing, unknown or expired access token on an OpenAPI call (Coze code 4100). */
export class Unauthenticated extends Data.TaggedError("Unauthenticated") {}

export const invalidRequest = (detail: string) =>
  new OAuthError({ status: 400, code: "invalid_request", message: `invalid request: ${detail}` })

export const missing = (field: string) => invalidRequest(`missing ${field}`)

export const invalidClient = (detail: string) =>
  new OAuthError({ status: 401, code: "invalid_client", message: `invalid client: ${detail}` })

export const invalidJwt = (detail: string) =>
  new OAuthError({ status: 401, code: "invalid_client", message: `invalid jwt: ${detail}` })

export const invalidGrant = (detail: string) =>
  new OAuthError({ status: 400, code: "invalid_grant", message: `invalid grant: ${detail}` })

export const unsupportedGrantType = (grantType: string) =>
  new OAuthError({ status: 400, code: "unsupported_grant_type", message: `not supported grant type: ${grantType}` })

/** Coze's (sic) `access_deny`, answered for every grant of a deactivated app. */
export const appDeactivated = (name: string) =>
  new OAuthError({ status: 400, code: "access_deny", message: `app: ${name} is currently deactivated by the owner` })

export type DeviceErrorCode = "authorization_pending" | "slow_down" | "access_denied" | "expired_token"

const deviceMessages: Record<DeviceErrorCode, string> = {
  authorization_pending: "the user has not answered yet",
  slow_down: "polling too fast, wait longer between requests",
  access_denied: "the user denied the request",
  expired_token: "the device code has expired"
}

export const deviceError = (code: DeviceErrorCode) =>
  new OAuthError({ status: 400, code, message: `${code}: ${deviceMessages[code]}` })

export const payloadTooLarge = (limit: number) =>
  new OAuthError({ status: 413, code: "invalid_request", message: `invalid request: body larger than ${limit} bytes` })

export const notFound = (what: string) =>
  new OAuthError({ status: 404, code: "not_found", message: `not found: ${what}` })

export const oauthErrorResponse = (error: OAuthError) =>
  HttpServerResponse.unsafeJson(
    {
      error_code: error.code,
      error_message: error.message,
      error: error.code,
      error_description: error.message
    },
    { status: error.status }
  )

export const unauthenticatedResponse = (logId: string) =>
  HttpServerResponse.unsafeJson(
    { code: 4100, msg: "authentication is invalid", detail: { logid: logId } },
    { status: 401 }
  )

export const internalErrorResponse = HttpServerResponse.unsafeJson(
  {
    error_code: "internal_error",
    error_message: "Service internal error.",
    error: "internal_error",
    error_description: "Service internal error."
  },
  { status: 500 }
)
