/**
 * Sealing a credential before it leaves the process for a store others can read (a shared Redis, its
 * backups): AES-256-GCM through WebCrypto, so it runs wherever core runs. A sealed record is
 * `cas1.<key id>.<iv>.<ciphertext>` (base64url); the key id (the first 8 bytes of the key's SHA-256) tells a
 * record sealed with another key from a tampered one, and lets several keys be accepted during a rotation.
 * The context (the profile, say) is bound as additional data: a record moved to another profile does not
 * open.
 *
 * Keys are 32 random bytes in base64 (`openssl rand -base64 32`), `Redacted` from the moment they are read;
 * imported as non-extractable `CryptoKey`s.
 *
 * @since 0.1.0
 */
import { type Array as Arr, Effect, Either, Encoding, Redacted, Schema } from "effect"
import { base64url } from "./internal/random.js"

const TypeId = "@coze-auth/core/TokenSeal"

const Fields = { description: Schema.String, hint: Schema.optional(Schema.String) }

const render = (error: { readonly description: string; readonly hint?: string | undefined }) =>
  error.description + (error.hint === undefined ? "" : `; ${error.hint}`)

/**
 * How to make a key, for messages that ask for one.
 *
 * @since 0.1.0
 * @category Constants
 */
export const makeKeyHint =
  "make one with `openssl rand -base64 32` (or `node -e \"console.log(crypto.randomBytes(32).toString('base64'))\"`)"

/**
 * A key that is not 32 bytes of base64.
 *
 * @since 0.1.0
 * @category Errors
 */
export class InvalidKey extends Schema.TaggedError<InvalidKey>(`${TypeId}/InvalidKey`)("InvalidKey", Fields) {
  override get message() {
    return render(this)
  }
}

/**
 * The record was sealed with a key that is not among the configured ones.
 *
 * @since 0.1.0
 * @category Errors
 */
export class KeyMismatch extends Schema.TaggedError<KeyMismatch>(`${TypeId}/KeyMismatch`)("KeyMismatch", {
  ...Fields,
  /** The id of the key the record was sealed with. */
  sealedWith: Schema.String
}) {
  override get message() {
    return render(this)
  }
}

/**
 * Not a sealed record, or one that was altered (GCM authentication failed).
 *
 * @since 0.1.0
 * @category Errors
 */
export class Unreadable extends Schema.TaggedError<Unreadable>(`${TypeId}/Unreadable`)("Unreadable", Fields) {
  override get message() {
    return render(this)
  }
}

/**
 * One imported key and its public id.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Key {
  readonly id: string
  readonly key: Redacted.Redacted<CryptoKey>
}

/**
 * The keys a store accepts; the first one seals.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Keyring {
  readonly keys: Arr.NonEmptyReadonlyArray<Key>
}

const prefix = "cas1"

const hex = (bytes: ArrayBuffer) =>
  Array.from(new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, "0")).join("")

const importKey = (base64: string, position: number, setting: string): Effect.Effect<Key, InvalidKey> =>
  Effect.gen(function* () {
    const which = position === 0 ? setting : `key ${position + 1} of ${setting}`
    const raw = yield* Either.match(Encoding.decodeBase64(base64), {
      onLeft: () => Effect.fail(new InvalidKey({ description: `${which} is not base64`, hint: makeKeyHint })),
      onRight: (bytes) => Effect.succeed(new Uint8Array(bytes))
    })
    if (raw.length !== 32) {
      raw.fill(0)
      return yield* new InvalidKey({
        description: `${which} is ${raw.length} bytes, not the 32 AES-256 needs`,
        hint: makeKeyHint
      })
    }
    const id = hex(yield* Effect.promise(() => globalThis.crypto.subtle.digest("SHA-256", raw))).slice(0, 16)
    const key = yield* Effect.promise(() =>
      globalThis.crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"])
    )
    raw.fill(0)
    return { id, key: Redacted.make(key) }
  })

/**
 * Reads one key, or several separated by commas (a rotation: the first seals, all open). `setting` names
 * where the text came from, for messages (`COZE_AUTH_STORE_KEY`).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const keyring = (text: Redacted.Redacted<string>, setting: string): Effect.Effect<Keyring, InvalidKey> =>
  Effect.gen(function* () {
    const parts = Redacted.value(text)
      .split(",")
      .map((part) => part.trim())
    if (parts.some((part) => part === "")) {
      return yield* new InvalidKey({ description: `${setting} is empty or has an empty key`, hint: makeKeyHint })
    }
    const [first = "", ...rest] = parts
    const head = yield* importKey(first, 0, setting)
    const tail = yield* Effect.forEach(rest, (part, i) => importKey(part, i + 1, setting))
    return { keys: [head, ...tail] }
  })

/**
 * A new random key, base64: what `openssl rand -base64 32` prints.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const generateKey: Effect.Effect<Redacted.Redacted<string>> = Effect.sync(() =>
  Redacted.make(Encoding.encodeBase64(globalThis.crypto.getRandomValues(new Uint8Array(32))))
)

const utf8 = new TextEncoder()

/**
 * Seals `plaintext` with the first key, bound to `context`.
 *
 * @since 0.1.0
 * @category Sealing
 */
export const seal = (ring: Keyring, plaintext: Redacted.Redacted<string>, context: string): Effect.Effect<string> =>
  Effect.promise(async () => {
    const { id, key } = ring.keys[0]
    const iv = globalThis.crypto.getRandomValues(new Uint8Array(12))
    const sealed = await globalThis.crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: utf8.encode(context) },
      Redacted.value(key),
      utf8.encode(Redacted.value(plaintext))
    )
    return `${prefix}.${id}.${base64url(iv)}.${base64url(new Uint8Array(sealed))}`
  })

/**
 * Whether `text` looks like a sealed record (it may still fail to open).
 *
 * @since 0.1.0
 * @category Sealing
 */
export const isSealed = (text: string): boolean => text.startsWith(`${prefix}.`)

/**
 * The id of the key a sealed record names, if it is one.
 *
 * @since 0.1.0
 * @category Sealing
 */
export const sealedWith = (text: string): string | undefined => (isSealed(text) ? text.split(".")[1] : undefined)

/**
 * Opens a record sealed by `seal` with any key of `ring`, for the same `context`. `what` names the record in
 * messages ("the credential of profile \"default\"").
 *
 * @since 0.1.0
 * @category Sealing
 */
export const unseal = (
  ring: Keyring,
  sealed: string,
  context: string,
  what: string
): Effect.Effect<Redacted.Redacted<string>, KeyMismatch | Unreadable> =>
  Effect.gen(function* () {
    const parts = sealed.split(".")
    const [tag, id = "", ivText = "", bodyText = ""] = parts
    const iv = Encoding.decodeBase64Url(ivText)
    const body = Encoding.decodeBase64Url(bodyText)
    if (parts.length !== 4 || tag !== prefix || Either.isLeft(iv) || Either.isLeft(body) || iv.right.length !== 12) {
      return yield* new Unreadable({
        description: `${what} is not a sealed coze-auth record`,
        hint: "it was written by another program or an incompatible version; log in again to replace it"
      })
    }
    const key = ring.keys.find((candidate) => candidate.id === id)
    if (key === undefined) {
      return yield* new KeyMismatch({
        description: `${what} was sealed with key ${id}, which does not match the configured key${ring.keys.length > 1 ? "s" : ""} (${ring.keys.map((k) => k.id).join(", ")})`,
        hint: "use the same key on every machine (during a rotation list the old one too, after the new), or log in again to reseal it",
        sealedWith: id
      })
    }
    const opened = yield* Effect.tryPromise({
      try: () =>
        globalThis.crypto.subtle.decrypt(
          { name: "AES-GCM", iv: new Uint8Array(iv.right), additionalData: utf8.encode(context) },
          Redacted.value(key.key),
          new Uint8Array(body.right)
        ),
      catch: () =>
        new Unreadable({
          description: `${what} does not open with key ${id}: it was altered, or sealed for another profile`,
          hint: "log in again to replace it"
        })
    })
    return Redacted.make(new TextDecoder().decode(opened))
  })
