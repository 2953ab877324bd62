/**
 * JWT-bearer assertions: public key registration (fingerprint = `kid`) and verification.
 */

import { createPublicKey, type KeyObject } from "node:crypto"
import { Effect, HashMap, Option } from "effect"
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, errors, exportJWK, jwtVerify } from "jose"
import { invalidJwt, invalidRequest } from "./errors.js"
import { type App, getState } from "./state.js"

const badKey = invalidRequest("public_key_pem is not a PEM-encoded RSA public key")

/** Parses a PEM public key; its id is the RFC 7638 JWK thumbprint (base64url), which clients use as `kid`. */
export const publicKeyFromPem = (pem: string) =>
  Effect.gen(function* () {
    const key = yield* Effect.try({ try: () => createPublicKey(pem), catch: () => badKey })
    if (key.asymmetricKeyType !== "rsa") return yield* badKey
    const id = yield* Effect.tryPromise({
      try: async () => calculateJwkThumbprint(await exportJWK(key)),
      catch: () => badKey
    })
    return { id, key } satisfies { readonly id: string; readonly key: KeyObject }
  })

/**
 * The app an assertion is for: the one its `iss` names, among those holding the key its `kid` names. One key
 * may be registered on several apps (a dev and a prod app sharing a key pair), so the key alone cannot say.
 */
const findApp = (kid: string, iss: unknown) =>
  Effect.gen(function* () {
    // Each holder with the key it holds, so the key needs no second look-up.
    const holders = HashMap.filterMap((yield* getState).apps, (app) =>
      app.public_key?.id === kid ? Option.some({ app, key: app.public_key.key }) : Option.none()
    )
    if (HashMap.isEmpty(holders)) return yield* invalidJwt("kid not been registred")
    const holder = typeof iss === "string" ? HashMap.get(holders, iss) : Option.none()
    if (Option.isNone(holder)) return yield* invalidJwt("iss must be the app's client id")
    return holder.value
  })

const describeJoseError = (error: unknown) => {
  if (error instanceof errors.JWSSignatureVerificationFailed) return "invalid signature"
  if (error instanceof errors.JWTExpired) return "token expired"
  if (error instanceof errors.JOSEError) return error.message
  return "malformed token"
}

/** A verified assertion: the app it authenticates and its single-use `jti`. */
export interface Assertion {
  readonly app: App
  readonly jti: string
}

/**
 * Verifies an RS256 JWT against the key its `kid` names on the app its `iss` names: signature, `iss` = client id,
 * `aud` = one of `audiences`, `exp` after `now`. Messages follow the real server's (including its
 * "registred" typo, which clients match on).
 */
export const verifyAssertion = (jwt: string, options: { readonly now: number; readonly audiences: Array<string> }) =>
  Effect.gen(function* () {
    const header = yield* Effect.try({
      try: () => decodeProtectedHeader(jwt),
      catch: () => invalidJwt("malformed token")
    })
    if (header.alg !== "RS256") return yield* invalidJwt("alg must be RS256")
    if (header.kid === undefined) return yield* invalidJwt("missing kid")
    // Read unverified only to pick the app; the signature is checked against that app's key next.
    const claimed = yield* Effect.try({ try: () => decodeJwt(jwt), catch: () => invalidJwt("malformed token") })
    const { app, key } = yield* findApp(header.kid, claimed.iss)
    const { payload } = yield* Effect.tryPromise({
      try: () => jwtVerify(jwt, key, { algorithms: ["RS256"], currentDate: new Date(options.now) }),
      catch: (error) => invalidJwt(describeJoseError(error))
    })
    if (payload.iss !== app.client_id) return yield* invalidJwt("iss must be the app's client id")
    const audiences = Array.isArray(payload.aud) ? payload.aud : Option.toArray(Option.fromNullable(payload.aud))
    if (!audiences.some((aud) => options.audiences.includes(aud))) {
      return yield* invalidJwt(`invalid aud, expected ${options.audiences.join(" or ")}`)
    }
    if (payload.exp === undefined) return yield* invalidJwt("missing exp")
    if (typeof payload.jti !== "string" || payload.jti === "") return yield* invalidJwt("missing jti")
    return { app, jti: payload.jti } satisfies Assertion
  })
