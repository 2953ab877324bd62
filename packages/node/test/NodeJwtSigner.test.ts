import { generateKeyPairSync } from "node:crypto"
import * as JwtOAuth from "@coze-auth/core/JwtOAuth"
import * as Region from "@coze-auth/core/Region"
import * as EmulatorClient from "@coze-auth/emulator/EmulatorClient"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted, TestClock } from "effect"
import { decodeProtectedHeader, importSPKI, jwtVerify } from "jose"
import * as NodeJwtSigner from "../src/NodeJwtSigner.js"
import { TestEmulator } from "./utils/emulator.js"

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
const pkcs8 = privateKey.export({ type: "pkcs8", format: "pem" }).toString()
const pkcs1 = privateKey.export({ type: "pkcs1", format: "pem" }).toString()
const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString()

const options = {
  clientId: "1127900106117.app.coze",
  privateKey: Redacted.make(pkcs8),
  publicKeyId: "kid-1",
  region: Region.custom({ apiBase: "http://127.0.0.1:8080" })
}
const now = 1_700_000_000_000
const claims = { sessionName: 'user "1" ünïcode', sessionContext: { device_info: { device_id: "d-1" } } }

/** The header and the claims of a JWT whose signature jose verified with the public key. */
const verified = (jwt: Redacted.Redacted<string>) =>
  Effect.promise(async () => {
    const { payload, protectedHeader } = await jwtVerify(Redacted.value(jwt), await importSPKI(publicPem, "RS256"), {
      issuer: options.clientId,
      audience: "127.0.0.1:8080",
      currentDate: new Date(now)
    })
    return { header: protectedHeader, payload }
  })

const withoutJti = ({ jti: _, ...rest }: Record<string, unknown>) => rest

describe("NodeJwtSigner", () => {
  it.effect("signs the same JWT as the WebCrypto default: header, claims and their order, verifiable by jose", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(now)
      assert.strictEqual(yield* Effect.provide(JwtOAuth.JwtSigner, NodeJwtSigner.layer), NodeJwtSigner.nodeSigner)
      assert.strictEqual(yield* JwtOAuth.JwtSigner, JwtOAuth.webCryptoSigner, "the default stays platform-free")
      const web = yield* verified(yield* (yield* JwtOAuth.makeSigner(options))(claims))
      const node = yield* verified(
        yield* (yield* JwtOAuth.makeSigner(options).pipe(Effect.provide(NodeJwtSigner.layer)))(claims)
      )
      assert.deepStrictEqual(node.header, { alg: "RS256", typ: "JWT", kid: "kid-1" })
      assert.deepStrictEqual(node.header, web.header)
      assert.deepStrictEqual(Object.keys(node.payload), Object.keys(web.payload))
      assert.deepStrictEqual(withoutJti(node.payload), withoutJti(web.payload))
      assert.strictEqual(node.payload.iat, now / 1000, "iat comes from the Effect Clock")
      assert.strictEqual(node.payload.jti!.length, 43)
      assert.notStrictEqual(node.payload.jti, web.payload.jti)
    })
  )

  it.effect("many at once (the thread pool) and one at a time (the main thread) all verify, each its own jti", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(now)
      const sign = yield* JwtOAuth.makeSigner({ ...options, privateKey: Redacted.make(pkcs1) }).pipe(
        Effect.provide(NodeJwtSigner.layer)
      )
      const together = yield* Effect.all(
        Array.from({ length: 16 }, (_, i) => sign({ sessionName: `user-${i}` })),
        { concurrency: "unbounded" }
      )
      // The first one alone is gathered for a microtask; the next ones of the same fiber are signed on the spot.
      const alone = [yield* sign({ sessionName: "alone" }), yield* sign(), yield* sign()]
      const tokens = yield* Effect.forEach([...together, ...alone], verified)
      assert.deepStrictEqual(
        tokens.slice(0, 16).map((token) => token.payload.session_name),
        Array.from({ length: 16 }, (_, i) => `user-${i}`)
      )
      assert.strictEqual(new Set(tokens.map((token) => token.payload.jti)).size, 19)
      assert.deepStrictEqual(decodeProtectedHeader(Redacted.value(alone[1]!)).kid, "kid-1")
    })
  )

  it.effect("a key that is not RSA is a ConfigError naming the setting, never showing the key", () =>
    Effect.gen(function* () {
      const ec = generateKeyPairSync("ec", { namedCurve: "P-256" })
        .privateKey.export({ type: "pkcs8", format: "pem" })
        .toString()
      const error = yield* JwtOAuth.makeSigner({ ...options, privateKey: Redacted.make(ec) }).pipe(
        Effect.provide(NodeJwtSigner.layer),
        Effect.flip
      )
      assert.strictEqual(error._tag, "ConfigError")
      assert.include(error.message, "COZE_JWT_OAUTH_PRIVATE_KEY is not a valid RSA private key")
      assert.notInclude(error.message, ec.slice(30, 60))
    })
  )

  it.scoped("JwtOAuth with the Node signer gets a token from the emulator, which checks the signature", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient.EmulatorClient
      const app = yield* emulator.createApp({ type: "jwt", public_key_pem: publicPem })
      const jwt = yield* JwtOAuth.make({
        clientId: app.client_id,
        privateKey: Redacted.make(pkcs8),
        publicKeyId: app.public_key_id!,
        region: Region.custom({ apiBase: emulator.url })
      })
      const tokens = yield* Effect.all([jwt.token(), jwt.token({ sessionName: "u" }), jwt.token()], {
        concurrency: "unbounded"
      })
      assert.deepStrictEqual(
        tokens.map((token) => token.flow),
        ["jwt", "jwt", "jwt"]
      )
      const grants = (yield* emulator.requests).filter((request) => request.grant_type?.includes("jwt-bearer"))
      assert.deepStrictEqual(
        grants.map((request) => request.status),
        [200, 200, 200]
      )
    }).pipe(Effect.provide(Layer.merge(TestEmulator(), NodeJwtSigner.layer)))
  )
})
