/**
 * How an authorization server encodes requests and answers. The flows speak only in `Grant`s and `Token`s;
 * the `coze` dialect is the one place that knows Coze's encoding: JSON bodies, the client secret or the
 * signed JWT as `Authorization: Bearer`, no `Authorization` header at all for public clients, `expires_in`
 * as an absolute Unix time, both error naming schemes and the `X-Tt-Logid` header. A standards dialect
 * (RFC 6749 form bodies, relative `expires_in`) can be added beside it without touching the flows.
 *
 * Every platform `HttpClientError` is mapped here; none escapes the package.
 *
 * @since 0.1.0
 */
import { type HttpClient, type HttpClientError, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { Context, Data, DateTime, Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import * as CozeError from "./CozeError.js"
import * as Deadline from "./Deadline.js"
import * as Transport from "./internal/transport.js"
import * as Region from "./Region.js"
import type { Scope } from "./Scope.js"
import { type Flow, Token } from "./Token.js"
import * as Wire from "./Wire.js"

/**
 * What a flow asks the token endpoint for.
 *
 * @since 0.1.0
 * @category Models
 */
export type Grant = Data.TaggedEnum<{
  /** Web and PKCE: the code from the redirect, with the secret (web) or the verifier (PKCE). */
  AuthorizationCode: {
    readonly clientId: string
    readonly code: string
    readonly redirectUri: string
    readonly clientSecret?: Redacted.Redacted<string> | undefined
    readonly codeVerifier?: Redacted.Redacted<string> | undefined
  }
  /** Any user flow: a rotating refresh token, with the secret for web apps. */
  RefreshToken: {
    readonly clientId: string
    readonly refreshToken: Redacted.Redacted<string>
    readonly clientSecret?: Redacted.Redacted<string> | undefined
  }
  /** One device-flow poll. */
  DeviceCode: { readonly clientId: string; readonly deviceCode: Redacted.Redacted<string> }
  /** Service apps: a signed JWT, optionally for another account or an enterprise. */
  JwtBearer: {
    readonly jwt: Redacted.Redacted<string>
    readonly durationSeconds: number
    readonly scope?: Scope | undefined
    readonly accountId?: string | undefined
    readonly enterpriseId?: string | undefined
  }
}>

/**
 * @since 0.1.0
 * @category Constructors
 */
export const Grant = Data.taggedEnum<Grant>()

/**
 * The query of an authorization URL.
 *
 * @since 0.1.0
 * @category Models
 */
export interface AuthorizationRequest {
  readonly clientId: string
  readonly redirectUri: string
  readonly state: string
  readonly workspaceId?: string | undefined
  readonly codeChallenge?: { readonly value: string; readonly method: "S256" | "plain" } | undefined
}

/**
 * A device-code answer, in the units of the domain.
 *
 * @since 0.1.0
 * @category Models
 */
export interface DeviceAuthorization {
  readonly deviceCode: Redacted.Redacted<string>
  readonly userCode: string
  readonly verificationUri: string
  readonly expiresAt: DateTime.Utc
  readonly interval: Duration.Duration
  readonly logId: Option.Option<string>
}

/**
 * Where requests go: the HTTP client and the region.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Endpoint {
  readonly client: HttpClient.HttpClient
  readonly region: Region.Region
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  readonly name: string
  readonly authorizationUrl: (region: Region.Region, request: AuthorizationRequest) => string
  readonly token: (endpoint: Endpoint, grant: Grant, flow: Flow) => Effect.Effect<Token, CozeError.CozeError>
  readonly deviceCode: (
    endpoint: Endpoint,
    request: { readonly clientId: string; readonly workspaceId?: string | undefined }
  ) => Effect.Effect<DeviceAuthorization, CozeError.CozeError>
}

/**
 * Optional in the context: flows use the one provided here, else `coze`.
 *
 * @since 0.1.0
 * @category Context
 */
export class Dialect extends Context.Tag("@coze-auth/core/Dialect")<Dialect, Service>() {}

// --- answers -------------------------------------------------------------------------------------------------

/**
 * An HTTP answer as the decoders see it: the status, the log id and the body as JSON (`undefined` when it
 * is not JSON), and the secrets its request carried (scrubbed from any text of the server that reaches an
 * error).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Answer {
  readonly status: number
  readonly logId?: string | undefined
  readonly retryAfter?: Duration.Duration | undefined
  readonly body: unknown
  readonly secrets?: ReadonlyArray<Redacted.Redacted<string>> | undefined
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const parseRetryAfter = (value: string | undefined): Duration.Duration | undefined => {
  const seconds = value === undefined ? Number.NaN : Number(value.trim())
  return Number.isFinite(seconds) && seconds >= 0 ? Duration.seconds(seconds) : undefined
}

const apiBaseSetting = "COZE_API_BASE"

const transportError = (error: HttpClientError.HttpClientError): CozeError.CozeError => {
  // A URL that does not parse is a setting to fix, not a network hiccup to retry.
  if (error._tag === "RequestError" && error.reason === "InvalidUrl") {
    return new CozeError.ConfigError({
      description: `${error.request.url} is not a valid URL`,
      hint: "COZE_API_BASE / COZE_WWW_BASE must be full http(s) URLs, e.g. https://api.coze.cn",
      field: apiBaseSetting
    })
  }
  const { code, description, reason } = Transport.classify(error.request.url, error.cause)
  const what =
    reason !== "Other" || error._tag === "RequestError"
      ? description
      : `reading the answer of ${error.request.url} failed (${error.reason})`
  const hint = Transport.settingHint(reason, apiBaseSetting)
  return new CozeError.TransportError({
    description: code === undefined || what.includes(code) ? what : `${what} (${code})`,
    reason,
    ...(hint === undefined ? {} : { hint }),
    cause: error.cause
  })
}

const redirected = (response: HttpClientResponse.HttpClientResponse, secrets: ReadonlyArray<Redacted.Redacted>) => {
  const location = response.headers.location
  const target = location === undefined ? "an unknown location" : Transport.scrub(location, secrets)
  return new CozeError.Redirected({
    description: `${response.request.url} answered HTTP ${response.status} redirecting to ${target}; a request carrying a secret never follows a redirect`,
    status: response.status,
    logId: response.headers["x-tt-logid"],
    ...(location === undefined ? {} : { location: target }),
    hint: `check that ${apiBaseSetting} is the API base itself (https, the api host, no path)`
  })
}

/**
 * Sends a request and reads the whole answer within the `request` deadline (`Deadline`), headers and body;
 * never follows a redirect (it fails with `Redirected`). Transport failures and timeouts become
 * `TransportError`, told by their cause. `secrets` are what the request carries: scrubbed from the
 * server's text when it makes an error.
 *
 * @since 0.1.0
 * @category Utils
 */
export const send = (
  client: HttpClient.HttpClient,
  request: HttpClientRequest.HttpClientRequest,
  secrets: ReadonlyArray<Redacted.Redacted<string>> = []
): Effect.Effect<Answer, CozeError.CozeError> =>
  Effect.flatMap(Deadline.Deadlines, (deadlines) =>
    client.execute(request).pipe(
      Effect.mapError(transportError),
      Effect.filterOrElse(
        (response) => !Transport.isRedirect(response.status),
        (response) => Effect.fail(redirected(response, secrets))
      ),
      Effect.flatMap((response: HttpClientResponse.HttpClientResponse) =>
        Effect.map(Effect.mapError(response.text, transportError), (text) => ({
          status: response.status,
          logId: response.headers["x-tt-logid"],
          retryAfter: parseRetryAfter(response.headers["retry-after"]),
          body: parseJson(text),
          secrets
        }))
      ),
      Transport.noRedirects,
      Deadline.within(deadlines.request, (took) => `no complete answer from ${request.url} within ${took}`)
    )
  )

// --- errors --------------------------------------------------------------------------------------------------

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

/**
 * The typed error an answer stands for: either OAuth naming scheme, then Coze's `{ code, msg }` envelope,
 * then the status alone. Total: any status and any JSON give a `CozeError`.
 *
 * @since 0.1.0
 * @category Decoding
 */
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

// --- the Coze dialect ----------------------------------------------------------------------------------------

const oauthPath = "/api/permission/oauth2"

const tokenPath = (grant: Grant): string =>
  grant._tag === "JwtBearer" && grant.accountId !== undefined
    ? `${oauthPath}/account/${encodeURIComponent(grant.accountId)}/token`
    : grant._tag === "JwtBearer" && grant.enterpriseId !== undefined
      ? `${oauthPath}/enterprise_id/${encodeURIComponent(grant.enterpriseId)}/token`
      : `${oauthPath}/token`

const workspacePath = (workspaceId: string | undefined) =>
  workspaceId === undefined ? oauthPath : `${oauthPath}/workspace_id/${encodeURIComponent(workspaceId)}`

/** The `Authorization` credential: the secret (web) or the JWT; public clients send none, not an empty `Bearer `. */
const credential = (grant: Grant): Redacted.Redacted<string> | undefined =>
  grant._tag === "JwtBearer" ? grant.jwt : grant._tag === "DeviceCode" ? undefined : grant.clientSecret

const tokenBody = (grant: Grant): Record<string, unknown> =>
  Grant.$match(grant, {
    AuthorizationCode: ({ clientId, code, codeVerifier, redirectUri }) => ({
      grant_type: "authorization_code",
      client_id: clientId,
      redirect_uri: redirectUri,
      code,
      ...(codeVerifier === undefined ? {} : { code_verifier: Redacted.value(codeVerifier) })
    }),
    RefreshToken: ({ clientId, refreshToken }) => ({
      grant_type: "refresh_token",
      client_id: clientId,
      refresh_token: Redacted.value(refreshToken)
    }),
    DeviceCode: ({ clientId, deviceCode }) => ({
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      client_id: clientId,
      device_code: Redacted.value(deviceCode)
    }),
    JwtBearer: ({ durationSeconds, scope }) => ({
      grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
      duration_seconds: durationSeconds,
      ...(scope === undefined ? {} : { scope })
    })
  })

/** Everything secret a grant's request carries, to scrub from what the server sends back. */
const secretsOf = (grant: Grant): Array<Redacted.Redacted<string>> =>
  Grant.$match(grant, {
    AuthorizationCode: ({ clientSecret, code, codeVerifier }) => [
      Redacted.make(code),
      ...(clientSecret === undefined ? [] : [clientSecret]),
      ...(codeVerifier === undefined ? [] : [codeVerifier])
    ],
    RefreshToken: ({ clientSecret, refreshToken }) => [
      refreshToken,
      ...(clientSecret === undefined ? [] : [clientSecret])
    ],
    DeviceCode: ({ deviceCode }) => [deviceCode],
    JwtBearer: ({ jwt }) => [jwt]
  })

const postJson = (url: string, body: Record<string, unknown>, bearer?: Redacted.Redacted<string>) => {
  const request = HttpClientRequest.post(url).pipe(HttpClientRequest.acceptJson, HttpClientRequest.bodyUnsafeJson(body))
  return bearer === undefined ? request : HttpClientRequest.bearerToken(request, bearer)
}

const isSuccess = (status: number) => status >= 200 && status < 300

/** A 2xx body that is an error (coze-py's tests mock that) is an error, not an empty token. */
const decodeAnswer = <A, I>(
  schema: Schema.Schema<A, I>,
  answer: Answer,
  region: Region.Region
): Effect.Effect<A, CozeError.CozeError> => {
  if (!isSuccess(answer.status)) return Effect.fail(decodeError(answer, region))
  const decoded = Schema.decodeUnknownOption(schema)(answer.body)
  if (Option.isSome(decoded)) return Effect.succeed(decoded.value)
  const error = decodeError(answer, region)
  return Effect.fail(
    error._tag === "MalformedResponse"
      ? new CozeError.MalformedResponse({
          description: "the answer is not the expected document",
          status: answer.status,
          logId: answer.logId
        })
      : error
  )
}

const withLogId = (logId: string | undefined) => Option.fromNullable(logId)

/**
 * Turns a successful token document into a `Token`: `expires_in` is absolute; an empty `refresh_token`
 * is no refresh token.
 *
 * @since 0.1.0
 * @category Decoding
 */
export const toToken = (
  response: Wire.TokenResponse,
  flow: Flow,
  obtainedAt: DateTime.Utc,
  logId: string | undefined
): Token =>
  new Token({
    accessToken: response.access_token,
    expiresAt: Option.some(DateTime.unsafeMake(response.expires_in * 1000)),
    refreshToken: Option.fromNullable(response.refresh_token).pipe(
      Option.filter((token) => Redacted.value(token) !== "")
    ),
    flow,
    obtainedAt,
    logId: withLogId(logId)
  })

/**
 * Whether an absolute `expires_in` is already past: then it was relative (RFC 6749's 900) or this machine's
 * clock is far ahead, and trusting it would renew on every call.
 *
 * @since 0.1.0
 * @category Decoding
 */
export const isPast = (expiresIn: number, now: DateTime.Utc): boolean => expiresIn * 1000 <= now.epochMillis

const pastExpiry = (expiresIn: number, answer: Answer) =>
  new CozeError.MalformedResponse({
    description: `the token's expires_in (${expiresIn}) is already past`,
    status: answer.status,
    logId: answer.logId,
    hint: "Coze sends an absolute Unix time: the server sent a relative lifetime, or this machine's clock is wrong"
  })

/**
 * Coze's encoding.
 *
 * @since 0.1.0
 * @category Dialects
 */
export const coze: Service = {
  name: "coze",
  // Built as text, not with `new URL`: a bad www base must not throw here (the browser reports it).
  authorizationUrl: (region, { clientId, codeChallenge, redirectUri, state, workspaceId }) => {
    const query = new URLSearchParams({
      response_type: "code",
      client_id: clientId,
      redirect_uri: redirectUri,
      state,
      ...(codeChallenge === undefined
        ? {}
        : { code_challenge: codeChallenge.value, code_challenge_method: codeChallenge.method })
    })
    return `${region.wwwBase}${workspacePath(workspaceId)}/authorize?${query}`
  },
  token: ({ client, region }, grant, flow) =>
    send(
      client,
      postJson(`${region.apiBase}${tokenPath(grant)}`, tokenBody(grant), credential(grant)),
      secretsOf(grant)
    ).pipe(
      Effect.flatMap((answer) =>
        decodeAnswer(Wire.TokenResponse, answer, region).pipe(
          Effect.flatMap((response) =>
            Effect.flatMap(DateTime.now, (now) =>
              isPast(response.expires_in, now)
                ? Effect.fail(pastExpiry(response.expires_in, answer))
                : Effect.succeed(toToken(response, flow, now, answer.logId))
            )
          )
        )
      )
    ),
  deviceCode: ({ client, region }, { clientId, workspaceId }) =>
    send(client, postJson(`${region.apiBase}${workspacePath(workspaceId)}/device/code`, { client_id: clientId })).pipe(
      Effect.flatMap((answer) =>
        decodeAnswer(Wire.DeviceCodeResponse, answer, region).pipe(
          Effect.flatMap((response) =>
            Effect.map(DateTime.now, (now) => ({
              deviceCode: response.device_code,
              userCode: response.user_code,
              verificationUri: response.verification_uri,
              expiresAt: DateTime.addDuration(now, Duration.seconds(response.expires_in)),
              interval: Duration.seconds(response.interval),
              logId: withLogId(answer.logId)
            }))
          )
        )
      )
    )
}

/**
 * Provides the Coze dialect explicitly (the flows fall back to it anyway).
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer: Layer.Layer<Dialect> = Layer.succeed(Dialect, coze)

/**
 * The dialect in the context, else `coze`.
 *
 * @since 0.1.0
 * @category Context
 */
export const current: Effect.Effect<Service> = Effect.map(
  Effect.serviceOption(Dialect),
  Option.getOrElse(() => coze)
)
