/**
 * The authorization callback of a code flow (web, PKCE): its one `state` check (as `oauth4webapi`'s
 * `validateAuthResponse`), the CSPRNG `state` it checks against, a constant-time compare for such secrets,
 * and the hosts a loopback listener answers (RFC 8252 §7.3). `WebOAuth.exchange` and the node
 * `LoopbackReceiver` both validate through `validate`.
 *
 * @since 0.1.0
 */
import { Either, Option } from "effect"
import { AccessDenied, InvalidRequest, StateMismatch } from "./CozeError.js"
import { randomBase64url } from "./internal/random.js"

/**
 * A CSRF `state`: 32 CSPRNG bytes, base64url.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const state = randomBase64url(32)

/**
 * Equal strings, in a time that does not tell where they differ (a `state`, a key: secrets a caller
 * presents).
 *
 * @since 0.1.0
 * @category Utils
 */
export const constantTimeEquals = (a: string, b: string): boolean => {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return difference === 0
}

/**
 * The host names that mean this machine's loopback interface; a listener answers only these `Host`s (no
 * DNS rebinding).
 *
 * @since 0.1.0
 * @category Constants
 */
export const loopbackHosts: ReadonlyArray<string> = ["127.0.0.1", "localhost", "[::1]"]

/**
 * Whether `hostname` (as `URL.hostname` gives it) is a loopback host.
 *
 * @since 0.1.0
 * @category Guards
 */
export const isLoopbackHost = (hostname: string): boolean => loopbackHosts.includes(hostname)

/**
 * What a callback can fail with: it is not this login's (`StateMismatch`: keep waiting for the real one),
 * or the server reports the user denied (`AccessDenied`) or something else went wrong (`InvalidRequest`).
 *
 * @since 0.1.0
 * @category Models
 */
export type CallbackError = StateMismatch | AccessDenied | InvalidRequest

/**
 * The parameters of a callback, as its query carries them.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Params {
  readonly get: (name: string) => string | null
}

const stateMismatch = new StateMismatch({
  description: "the callback's state is not the one this login sent",
  hint: "the callback may be forged or belong to another login; start the login again"
})

/**
 * Validates a callback against the `state` its login sent: first the `state`, in constant time (a mismatch,
 * or an empty `expectedState` such as a lost session read as "", fails with `StateMismatch` and nothing
 * reaches the server), then an `error` the server sent. Succeeds with the code, `None` when the callback
 * carries none.
 *
 * @since 0.1.0
 * @category Validation
 */
export const validate = (
  params: Params,
  expectedState: string
): Either.Either<Option.Option<string>, CallbackError> => {
  const received = params.get("state") ?? ""
  if (expectedState === "" || !constantTimeEquals(received, expectedState)) return Either.left(stateMismatch)
  const error = params.get("error")
  if (error !== null) {
    const description = params.get("error_description") ?? error
    return Either.left(
      error === "access_denied" || error === "access_deny"
        ? new AccessDenied({ description: `authorization denied: ${description}` })
        : new InvalidRequest({ description: `authorization failed: ${description}` })
    )
  }
  return Either.right(Option.fromNullable(params.get("code")).pipe(Option.filter((code) => code !== "")))
}
