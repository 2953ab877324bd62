/**
 * CSPRNG bytes and base64url, through WebCrypto so core runs in browsers and edge runtimes too.
 */
import { Effect } from "effect"
import { base64url as jose } from "jose"

/** base64url without padding. */
export const base64url = (bytes: Uint8Array): string => jose.encode(bytes)

/** `size` bytes from `crypto.getRandomValues`, base64url without padding. */
export const randomBase64urlSync = (size: number): string =>
  base64url(globalThis.crypto.getRandomValues(new Uint8Array(size)))

/** `randomBase64urlSync` as an Effect. */
export const randomBase64url = (size: number): Effect.Effect<string> => Effect.sync(() => randomBase64urlSync(size))
