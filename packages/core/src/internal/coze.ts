/**
 * Coze's encoding of the token endpoint: JSON bodies, the client secret or the signed JWT as
 * `Authorization: Bearer`, no `Authorization` header for public clients, `expires_in` as an absolute Unix
 * time, the account and enterprise paths of JWT grants, and workspace-scoped authorize and device URLs.
 */
import { HttpClientRequest } from "@effect/platform"
import { DateTime, Duration, Effect, Either, Option, ParseResult, Redacted, Schema } from "effect"
import * as CozeError from "../CozeError.js"
import type { Grant, Service } from "../Dialect.js"
import type { Region } from "../Region.js"
import { type Flow, Token } from "../Token.js"
import * as Wire from "../Wire.js"
import { decodeError } from "./cozeErrors.js"
import { type Answer, send } from "./exchange.js"

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

/** The JSON body of a grant, and every secret its request carries (scrubbed from what the server sends back). */
const encode = (grant: Grant): readonly [Record<string, unknown>, Array<Redacted.Redacted<string>>] => {
  const secrets = (...values: ReadonlyArray<Redacted.Redacted<string> | undefined>) =>
    values.filter((value) => value !== undefined)
  switch (grant._tag) {
    case "AuthorizationCode":
      return [
        {
          grant_type: "authorization_code",
          client_id: grant.clientId,
          redirect_uri: grant.redirectUri,
          code: grant.code,
          ...(grant.codeVerifier === undefined ? {} : { code_verifier: Redacted.value(grant.codeVerifier) })
        },
        secrets(Redacted.make(grant.code), grant.clientSecret, grant.codeVerifier)
      ]
    case "RefreshToken":
      return [
        {
          grant_type: "refresh_token",
          client_id: grant.clientId,
          refresh_token: Redacted.value(grant.refreshToken)
        },
        secrets(grant.refreshToken, grant.clientSecret)
      ]
    case "DeviceCode":
      return [
        {
          grant_type: "urn:ietf:params:oauth:grant-type:device_code",
          client_id: grant.clientId,
          device_code: Redacted.value(grant.deviceCode)
        },
        secrets(grant.deviceCode)
      ]
    case "JwtBearer":
      return [
        {
          grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
          duration_seconds: grant.durationSeconds,
          ...(grant.scope === undefined ? {} : { scope: grant.scope })
        },
        secrets(grant.jwt)
      ]
  }
}

const postJson = (path: string, body: Record<string, unknown>, bearer?: Redacted.Redacted<string>) => {
  const request = HttpClientRequest.post(path).pipe(
    HttpClientRequest.acceptJson,
    HttpClientRequest.bodyUnsafeJson(body)
  )
  return bearer === undefined ? request : HttpClientRequest.bearerToken(request, bearer)
}

const isSuccess = (status: number) => status >= 200 && status < 300

/** The first field a decode failed on, and how (never the value: it may be a token). */
const firstIssue = (error: ParseResult.ParseError): { readonly field?: string; readonly what: string } => {
  const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
  if (issue === undefined || issue.path.length === 0) return { what: "the answer is not the expected document" }
  const field = issue.path.map(String).join(".")
  return {
    field,
    what: `the answer's ${field} is ${issue._tag === "Missing" ? "missing" : "not what the protocol sends"}`
  }
}

/** A 2xx body that is an error (coze-py's tests mock that) is an error, not an empty token. */
const decodeAnswer = <A>(
  decode: (body: unknown) => Either.Either<A, ParseResult.ParseError>,
  answer: Answer,
  region: Region
): Effect.Effect<A, CozeError.CozeError> => {
  if (!isSuccess(answer.status)) return Effect.fail(decodeError(answer, region))
  const decoded = decode(answer.body)
  if (Either.isRight(decoded)) return Effect.succeed(decoded.right)
  const error = decodeError(answer, region)
  if (error._tag !== "MalformedResponse") return Effect.fail(error)
  const { field, what } = firstIssue(decoded.left)
  return Effect.fail(
    new CozeError.MalformedResponse({
      description: what,
      status: answer.status,
      logId: answer.logId,
      ...(field === undefined ? {} : { field })
    })
  )
}

// Built once, not per answer.
const decodeToken = Schema.decodeUnknownEither(Wire.TokenResponse, { errors: "first" })
const decodeDeviceCode = Schema.decodeUnknownEither(Wire.DeviceCodeResponse, { errors: "first" })

const withLogId = (logId: string | undefined) => Option.fromNullable(logId)

/** See `Dialect.toToken`. */
export const toToken = (
  response: Wire.TokenResponse,
  flow: Flow,
  obtainedAt: DateTime.Utc,
  logId: string | undefined
): Token =>
  // Every field comes typed from the decoded answer: validating them again would cost more than the decode.
  new Token(
    {
      accessToken: response.access_token,
      expiresAt: Option.some(DateTime.unsafeMake(response.expires_in * 1000)),
      refreshToken: Option.fromNullable(response.refresh_token).pipe(
        Option.filter((token) => Redacted.value(token) !== "")
      ),
      flow,
      obtainedAt,
      logId: withLogId(logId)
    },
    { disableValidation: true }
  )

/** See `Dialect.isPast`. */
export const isPast = (expiresIn: number, now: DateTime.Utc): boolean => expiresIn * 1000 <= now.epochMillis

const pastExpiry = (expiresIn: number, answer: Answer) =>
  new CozeError.MalformedResponse({
    description: `the token's expires_in (${expiresIn}) is already past`,
    status: answer.status,
    logId: answer.logId,
    field: "expires_in",
    hint: "Coze sends an absolute Unix time: the server sent a relative lifetime, or this machine's clock is wrong"
  })

/** Coze's dialect (see `Dialect.coze`). */
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
  bind: ({ client, region }) => ({
    token: (grant, flow) => {
      const [body, secrets] = encode(grant)
      return send(client, postJson(tokenPath(grant), body, credential(grant)), secrets).pipe(
        Effect.flatMap((answer) =>
          decodeAnswer(decodeToken, answer, region).pipe(
            Effect.flatMap((response) =>
              Effect.flatMap(DateTime.now, (now) =>
                isPast(response.expires_in, now)
                  ? Effect.fail(pastExpiry(response.expires_in, answer))
                  : Effect.succeed(toToken(response, flow, now, answer.logId))
              )
            )
          )
        )
      )
    },
    deviceCode: ({ clientId, workspaceId }) =>
      send(client, postJson(`${workspacePath(workspaceId)}/device/code`, { client_id: clientId })).pipe(
        Effect.flatMap((answer) =>
          decodeAnswer(decodeDeviceCode, answer, region).pipe(
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
  })
}
