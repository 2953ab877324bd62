/**
 * `POST /api/permission/oauth2/token` and the account / enterprise token paths: dispatch on
 * `grant_type`, one function per grant.
 */

import { createHash } from "node:crypto"
import { HttpServerRequest } from "@effect/platform"
import { Effect, HashSet, Option, Schema } from "effect"
import { requireActiveApp } from "./apps.js"
import { deviceTokenGrant } from "./device.js"
import { invalidClient, invalidGrant, invalidJwt, invalidRequest, missing, unsupportedGrantType } from "./errors.js"
import { bearerCredential, decode, noteGrantType, readJsonObject } from "./http.js"
import { verifyAssertion } from "./jwt.js"
import { type App, type ChallengeMethod, lookup, modifyState, now, takeFrom } from "./state.js"
import { issueServiceToken, issueUserTokens } from "./tokens.js"

export const GrantTypes = {
  authorizationCode: "authorization_code",
  refreshToken: "refresh_token",
  deviceCode: "urn:ietf:params:oauth:grant-type:device_code",
  jwtBearer: "urn:ietf:params:oauth:grant-type:jwt-bearer"
} as const

/** Coze's documented ceiling for `duration_seconds`. */
const maxDurationSeconds = 86399

const AuthorizationCodeBody = Schema.Struct({
  client_id: Schema.String,
  code: Schema.String,
  redirect_uri: Schema.String,
  code_verifier: Schema.optional(Schema.String)
})

const RefreshTokenBody = Schema.Struct({ client_id: Schema.optional(Schema.String), refresh_token: Schema.String })

const DeviceCodeBody = Schema.Struct({ client_id: Schema.String, device_code: Schema.String })

/** SDKs add `client_id`, `account_id` (even as a number) and `"scope": null`: unknown fields are ignored. */
const JwtBearerBody = Schema.Struct({
  duration_seconds: Schema.optional(Schema.Int.pipe(Schema.positive())),
  scope: Schema.optional(Schema.NullOr(Schema.Object))
})

/** Confidential (web) apps authenticate with `Authorization: Bearer <client_secret>`; public apps need nothing. */
const authenticateClient = (app: App) =>
  Effect.gen(function* () {
    if (app.client_secret === undefined) return
    const secret = yield* bearerCredential
    if (Option.isNone(secret)) return yield* invalidClient("missing client secret in the Authorization header")
    if (secret.value !== app.client_secret) return yield* invalidClient("wrong client secret")
  })

const challengeOf = (verifier: string, method: ChallengeMethod) =>
  method === "S256" ? createHash("sha256").update(verifier, "ascii").digest("base64url") : verifier

const authorizationCodeGrant = (input: typeof AuthorizationCodeBody.Type) =>
  Effect.gen(function* () {
    const app = yield* requireActiveApp(input.client_id)
    yield* authenticateClient(app)
    // Validate before consuming, so a client can fix a bad request; consuming is the atomic step.
    const code = yield* Effect.flatten(lookup("codes", input.code)).pipe(
      Effect.mapError(() => invalidGrant("code is unknown or was already used"))
    )
    if (code.expires_at <= (yield* now)) return yield* invalidGrant("code has expired")
    if (code.client_id !== input.client_id) return yield* invalidGrant("code was issued to another client")
    if (code.redirect_uri !== input.redirect_uri)
      return yield* invalidGrant("redirect_uri does not match the authorize request")
    if (code.code_challenge !== undefined) {
      if (input.code_verifier === undefined) return yield* missing("code_verifier")
      if (challengeOf(input.code_verifier, code.code_challenge_method) !== code.code_challenge) {
        return yield* invalidGrant("code_verifier does not match code_challenge")
      }
    }
    yield* Effect.flatten(takeFrom("codes", input.code)).pipe(
      Effect.mapError(() => invalidGrant("code was already used"))
    )
    return yield* issueUserTokens(app.client_id)
  })

/** Rotating: the presented refresh token dies whether or not the caller keeps the new one. */
const refreshTokenGrant = (input: typeof RefreshTokenBody.Type) =>
  Effect.gen(function* () {
    const dead = invalidGrant("refresh_token is invalid, expired or already used")
    const found = yield* lookup("refreshTokens", input.refresh_token)
    if (Option.isNone(found)) return yield* dead
    if (input.client_id !== undefined && input.client_id !== found.value.client_id) {
      return yield* invalidGrant("refresh_token was issued to another client")
    }
    const app = yield* requireActiveApp(found.value.client_id)
    yield* authenticateClient(app)
    const grant = yield* Effect.flatten(takeFrom("refreshTokens", input.refresh_token)).pipe(
      Effect.mapError(() => dead)
    )
    if (grant.expires_at <= (yield* now)) return yield* dead
    return yield* issueUserTokens(app.client_id)
  })

/** `aud` is the api host the client called, with or without its port (go and py keep it, java drops it). */
const acceptedAudiences = Effect.map(HttpServerRequest.HttpServerRequest, (request) => {
  const host = request.headers.host ?? ""
  return [host, host.replace(/:\d+$/, "")]
})

const jwtBearerGrant = (input: typeof JwtBearerBody.Type) =>
  Effect.gen(function* () {
    const jwt = yield* Effect.flatten(bearerCredential).pipe(
      Effect.mapError(() => invalidJwt("missing JWT in the Authorization header"))
    )
    const duration = input.duration_seconds ?? 900
    if (duration > maxDurationSeconds) {
      return yield* invalidRequest(`duration_seconds must be at most ${maxDurationSeconds}`)
    }
    const { app, jti } = yield* verifyAssertion(jwt, { now: yield* now, audiences: yield* acceptedAudiences })
    yield* requireActiveApp(app.client_id)
    const fresh = yield* modifyState((state) =>
      HashSet.has(state.usedJtis, jti)
        ? [false, state]
        : [true, { ...state, usedJtis: HashSet.add(state.usedJtis, jti) }]
    )
    if (!fresh) return yield* invalidJwt("jti has already been used")
    // Only channel apps are restricted by `scope` (docs oauth_jwt_channel); others ignore it.
    const scope = app.channel ? (input.scope ?? undefined) : undefined
    return yield* issueServiceToken(app.client_id, duration, scope)
  })

const readGrant = Effect.gen(function* () {
  const body = yield* readJsonObject
  const { grant_type } = yield* decode(Schema.Struct({ grant_type: Schema.String }))(body)
  yield* noteGrantType(grant_type)
  return { body, grant_type }
})

/** `POST /api/permission/oauth2/token` */
export const token = Effect.gen(function* () {
  const { body, grant_type } = yield* readGrant
  switch (grant_type) {
    case GrantTypes.authorizationCode:
      return yield* Effect.flatMap(decode(AuthorizationCodeBody)(body), authorizationCodeGrant)
    case GrantTypes.refreshToken:
      return yield* Effect.flatMap(decode(RefreshTokenBody)(body), refreshTokenGrant)
    case GrantTypes.deviceCode:
      return yield* Effect.flatMap(decode(DeviceCodeBody)(body), deviceTokenGrant)
    case GrantTypes.jwtBearer:
      return yield* Effect.flatMap(decode(JwtBearerBody)(body), jwtBearerGrant)
    default:
      return yield* unsupportedGrantType(grant_type)
  }
})

/** `POST …/account/{id}/token` and `…/enterprise_id/{id}/token`: the JWT grant only. */
export const jwtOnlyToken = Effect.gen(function* () {
  const { body, grant_type } = yield* readGrant
  if (grant_type !== GrantTypes.jwtBearer) return yield* unsupportedGrantType(grant_type)
  return yield* Effect.flatMap(decode(JwtBearerBody)(body), jwtBearerGrant)
})
