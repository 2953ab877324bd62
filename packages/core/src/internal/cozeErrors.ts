/**
 * Coze's error mapping: either OAuth naming scheme, then the `{ code, msg }` envelope, then the status alone.
 */
import { Option, Schema } from "effect"
import * as CozeError from "../CozeError.js"
import * as Region from "../Region.js"
import * as Wire from "../Wire.js"
import type { Answer } from "./exchange.js"
import * as Transport from "./transport.js"

const redirectHint =
  "the redirect URI must be registered on the app exactly as sent (COZE_WEB_OAUTH_REDIRECT_URI / COZE_PKCE_OAUTH_REDIRECT_URI); escape `#` as %23"

const isRetryableStatus = (status: number) => status === 408 || status === 429 || status >= 500

const nonEmpty = (value: string | null | undefined): string | undefined =>
  value === null || value === undefined || value.trim() === "" ? undefined : value

const decodeAuthError = Schema.decodeUnknownOption(Wire.AuthErrorResponse)
const decodeApiError = Schema.decodeUnknownOption(Wire.ApiResponse)

const fromOAuthCode = (
  code: string,
  description: string,
  fields: { readonly status: number; readonly logId?: string | undefined },
  answer: Answer,
  region: Region.Region
): CozeError.CozeError => {
  const base = { description, status: fields.status, logId: fields.logId }
  const redirect = /redirect/i.test(description) ? { hint: redirectHint } : {}
  switch (code) {
    case "authorization_pending":
      return new CozeError.AuthorizationPending(base)
    case "slow_down":
      return new CozeError.SlowDown(base)
    case "access_denied":
      return new CozeError.AccessDenied(base)
    case "access_deny":
      return /deactivated/i.test(description)
        ? new CozeError.AppDisabled({ ...base, hint: "enable the app again in the Coze console" })
        : new CozeError.AccessDenied(base)
    case "expired_token":
      return new CozeError.ExpiredToken({ ...base, hint: "the device code expired; start a new login" })
    case "invalid_grant":
      return new CozeError.InvalidGrant({ ...base, hint: "log in again", ...redirect })
    case "invalid_client":
      return new CozeError.InvalidClient({
        ...base,
        hint: /kid/i.test(description)
          ? `the public key id is not registered with this app here; ${Region.mismatchHint(region)}`
          : Region.mismatchHint(region)
      })
    case "invalid_request":
      return new CozeError.InvalidRequest({ ...base, ...redirect })
    case "unsupported_grant_type":
      return new CozeError.UnsupportedGrantType(base)
    case "internal_error":
    case "server_error":
    case "temporarily_unavailable":
      return new CozeError.ServerError({ ...base, retryAfter: answer.retryAfter })
    default:
      return isRetryableStatus(fields.status)
        ? new CozeError.ServerError({ ...base, retryAfter: answer.retryAfter })
        : new CozeError.InvalidRequest({ ...base, ...redirect })
  }
}

/** See `Dialect.decodeError`. */
export const decodeError = (answer: Answer, region: Region.Region): CozeError.CozeError => {
  // The server's text may echo the request: its secrets never reach an error.
  const clean = (text: string) => Transport.scrub(text, answer.secrets ?? [])
  const fields = { status: answer.status, logId: answer.logId === undefined ? undefined : clean(answer.logId) }
  const oauth = decodeAuthError(answer.body)
  if (Option.isSome(oauth)) {
    const code = nonEmpty(oauth.value.error_code) ?? nonEmpty(oauth.value.error)
    if (code !== undefined) {
      const message = nonEmpty(oauth.value.error_message) ?? nonEmpty(oauth.value.error_description) ?? code
      return fromOAuthCode(code, clean(message), fields, answer, region)
    }
  }
  const api = decodeApiError(answer.body)
  if (Option.isSome(api) && api.value.code !== 0) {
    const { code, detail, msg } = api.value
    const description = clean(`Coze code ${code}: ${nonEmpty(msg) ?? "no message"}`)
    const detailLogId = nonEmpty(detail?.logid)
    const logId = fields.logId ?? (detailLogId === undefined ? undefined : clean(detailLogId))
    if (code === 4100 || code === 4101) {
      return new CozeError.Unauthorized({ description, code, ...fields, logId, hint: Region.mismatchHint(region) })
    }
    return isRetryableStatus(answer.status)
      ? new CozeError.ServerError({ description, ...fields, logId, retryAfter: answer.retryAfter })
      : new CozeError.InvalidRequest({ description, ...fields, logId })
  }
  if (isRetryableStatus(answer.status)) {
    return new CozeError.ServerError({
      description: `the server answered HTTP ${answer.status}`,
      ...fields,
      retryAfter: answer.retryAfter
    })
  }
  return new CozeError.MalformedResponse({
    description: `unexpected answer (HTTP ${answer.status}) that is not Coze's protocol`,
    ...fields,
    hint: `check that ${region.apiBase} is a Coze API base (COZE_API_BASE)`
  })
}
