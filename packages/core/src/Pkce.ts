/**
 * PKCE (RFC 7636) and `state`: CSPRNG verifiers of 43–128 characters, the S256 challenge through WebCrypto,
 * and `plain` that really is plain (coze-js labels its S256 hash "plain").
 *
 * @since 0.1.0
 */
import { Effect, Redacted, Schema } from "effect"
import * as Callback from "./Callback.js"
import { base64url, randomBase64url } from "./internal/random.js"

/**
 * @since 0.1.0
 * @category Schemas
 */
export const Method = Schema.Literal("S256", "plain")

/**
 * @since 0.1.0
 * @category Models
 */
export type Method = typeof Method.Type

/**
 * A code verifier of `length` characters (43 to 128, default 43 = 32 random bytes) from the unreserved
 * alphabet. A length outside the RFC's range is a programming error and dies.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const verifier = (length = 43): Effect.Effect<Redacted.Redacted<string>> =>
  Number.isInteger(length) && length >= 43 && length <= 128
    ? randomBase64url(Math.ceil((length * 3) / 4)).pipe(Effect.map((chars) => Redacted.make(chars.slice(0, length))))
    : Effect.dieMessage(`a PKCE verifier has 43 to 128 characters, not ${length}`)

/**
 * The `code_challenge` for a verifier: `BASE64URL(SHA-256(verifier))` for S256, the verifier itself for plain.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const challenge = (codeVerifier: Redacted.Redacted<string>, method: Method = "S256"): Effect.Effect<string> =>
  method === "plain"
    ? Effect.succeed(Redacted.value(codeVerifier))
    : Effect.promise(() =>
        globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(Redacted.value(codeVerifier)))
      ).pipe(Effect.map((digest) => base64url(new Uint8Array(digest))))

/**
 * A CSRF `state`: 32 random bytes, base64url (the same as `Callback.state`).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const state: Effect.Effect<string> = Callback.state
