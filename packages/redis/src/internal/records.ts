/**
 * A credential as the Redis store keeps it: the token's JSON record, sealed (`TokenSeal`, AES-256-GCM) and
 * bound to its profile when the store has a key, in the clear when its key is the word `unencrypted`.
 */
import { type Token, TokenFromJson } from "@coze-auth/core/Token"
import * as TokenSeal from "@coze-auth/core/TokenSeal"
import * as TokenStore from "@coze-auth/core/TokenStore"
import { Effect, Option, Redacted, Schema } from "effect"
import { storeError } from "./errors.js"

/** The word that stores credentials in the clear instead of a key. */
export const unencrypted = "unencrypted"

export const codec = (options: { readonly ring: Option.Option<TokenSeal.Keyring>; readonly location: string }) => {
  const { ring } = options
  const context = (profile: string) => `coze-auth token ${profile}`
  const what = (profile: string) => `the credential of profile "${profile}" in Redis at ${options.location}`

  const encode = (profile: string, token: Token) =>
    Effect.gen(function* () {
      const json = yield* TokenStore.encodeRecord(TokenFromJson, profile)(token)
      return Option.isSome(ring) ? yield* TokenSeal.seal(ring.value, Redacted.make(json), context(profile)) : json
    })

  const decode = (profile: string, text: string) =>
    Effect.gen(function* () {
      if (Option.isNone(ring) && TokenSeal.isSealed(text)) {
        return yield* storeError(
          new TokenSeal.KeyMismatch({
            description: `${what(profile)} is sealed with key ${TokenSeal.sealedWith(text)}, but COZE_AUTH_STORE_KEY is "${unencrypted}"`,
            hint: "set COZE_AUTH_STORE_KEY to the key the other machines use",
            sealedWith: TokenSeal.sealedWith(text) ?? ""
          })
        )
      }
      if (Option.isSome(ring) && !TokenSeal.isSealed(text)) {
        return yield* storeError(
          new TokenSeal.Unreadable({
            description: `${what(profile)} is stored in the clear, but this store seals credentials (COZE_AUTH_STORE_KEY is set)`,
            hint: `log in again to replace it sealed, or set COZE_AUTH_STORE_KEY=${unencrypted} on every machine`
          })
        )
      }
      const json = Option.isSome(ring)
        ? Redacted.value(
            yield* TokenSeal.unseal(ring.value, text, context(profile), what(profile)).pipe(Effect.mapError(storeError))
          )
        : text
      return yield* Schema.decode(TokenFromJson)(json).pipe(
        Effect.mapError(() =>
          storeError(
            new TokenSeal.Unreadable({
              description: `${what(profile)} is not a coze-auth credential (corrupt or from another version)`,
              hint: `log in again for profile "${profile}"`
            })
          )
        )
      )
    })

  return { encode, decode }
}
