import { EmulatorClient } from "@coze-auth/emulator/EmulatorClient"
import { FetchHttpClient } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, DateTime, Duration, Effect, Layer, Logger, Option, Redacted, TestClock } from "effect"
import { decodeJwt, decodeProtectedHeader } from "jose"
import * as JwtOAuth from "../src/JwtOAuth.js"
import * as Region from "../src/Region.js"
import * as Scope from "../src/Scope.js"
import { emulatorRegion, requestsOf, rsaKeys, TestEmulator } from "./utils/index.js"

const keys = rsaKeys()

const setup = (privateKey = keys.pkcs8) =>
  Effect.gen(function* () {
    const emulator = yield* EmulatorClient
    const app = yield* emulator.createApp({ type: "jwt", public_key_pem: keys.publicPem })
    const options = {
      clientId: app.client_id,
      privateKey: Redacted.make(privateKey),
      publicKeyId: app.public_key_id!,
      region: yield* emulatorRegion
    }
    return { app, emulator, jwt: yield* JwtOAuth.make(options), options }
  })

describe("JwtOAuth", () => {
  it.scoped("mints a token with a PKCS#8 key; no refresh token", () =>
    Effect.gen(function* () {
      const { jwt } = yield* setup()
      const token = yield* jwt.token({ sessionName: "user-1", scope: Scope.botChat(["bot-1"]) })
      assert.strictEqual(token.flow, "jwt")
      assert.isFalse(token.refreshable)
      assert.strictEqual(Duration.toSeconds(Option.getOrThrow(token.lifetime)), 900)
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("accepts a PKCS#1 key (and escaped newlines)", () =>
    Effect.gen(function* () {
      const { jwt } = yield* setup(keys.pkcs1.replace(/\n/g, "\\n"))
      assert.strictEqual((yield* jwt.token()).flow, "jwt")
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("uses the account and enterprise paths", () =>
    Effect.gen(function* () {
      const { jwt } = yield* setup()
      yield* jwt.token({ accountId: "292298289606" })
      yield* jwt.token({ enterpriseId: "volcano_210195" })
      const paths = (yield* requestsOf()).map((request) => request.path)
      assert.deepStrictEqual(paths.slice(-2), [
        "/api/permission/oauth2/account/292298289606/token",
        "/api/permission/oauth2/enterprise_id/volcano_210195/token"
      ])
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("clamps duration_seconds to 86399 with a warning", () =>
    Effect.gen(function* () {
      const { jwt } = yield* setup()
      const logs: Array<string> = []
      const logger = Logger.make(({ message }) => logs.push(String(message)))
      const token = yield* jwt
        .token({ durationSeconds: 100_000 })
        .pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
      const expiresAt = Option.getOrThrow(token.expiresAt)
      assert.strictEqual(DateTime.distance(token.obtainedAt, expiresAt) / 1000, 86399)
      assert.isTrue(logs.some((line) => line.includes("86399")))
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.effect("signs RS256 with kid, iss, aud = api host, a short exp and a 32-byte jti", () =>
    Effect.gen(function* () {
      const region = Region.custom({ apiBase: "http://127.0.0.1:8080" })
      const sign = yield* JwtOAuth.makeSigner({
        clientId: "1.app.coze",
        privateKey: Redacted.make(keys.pkcs8),
        publicKeyId: "kid-1",
        region
      })
      const jwt = Redacted.value(yield* sign({ sessionName: "u", sessionContext: { device_info: { device_id: "d" } } }))
      assert.deepStrictEqual(decodeProtectedHeader(jwt), { alg: "RS256", typ: "JWT", kid: "kid-1" })
      const claims = decodeJwt(jwt)
      assert.strictEqual(claims.iss, "1.app.coze")
      assert.strictEqual(claims.aud, "127.0.0.1:8080")
      assert.strictEqual(claims.exp! - claims.iat!, 600)
      assert.strictEqual(claims.jti!.length, 43)
      assert.strictEqual(claims.session_name, "u")
      assert.deepStrictEqual(claims.session_context, { device_info: { device_id: "d" } })
      assert.notStrictEqual(decodeJwt(Redacted.value(yield* sign())).jti, claims.jti)
    })
  )

  it.effect("writes the claims in jose's order, JSON-escaped, and omits the absent ones", () =>
    Effect.gen(function* () {
      const sign = yield* JwtOAuth.makeSigner({
        clientId: 'a"b\\c.app.coze',
        privateKey: Redacted.make(keys.pkcs8),
        publicKeyId: "kid-1"
      })
      const sessionName = 'user "1" \\ ünïcode \u2028 😀'
      const sessionContext = { device_info: { device_id: "d\n1", custom_consumer: "c" } }
      const claims = decodeJwt(Redacted.value(yield* sign({ sessionName, sessionContext })))
      assert.deepStrictEqual(Object.keys(claims), [
        "session_name",
        "session_context",
        "iss",
        "aud",
        "iat",
        "exp",
        "jti"
      ])
      assert.strictEqual(claims.session_name, sessionName)
      assert.deepStrictEqual(claims.session_context, sessionContext)
      assert.strictEqual(claims.iss, 'a"b\\c.app.coze')
      assert.strictEqual(claims.aud, "api.coze.com")
      assert.deepStrictEqual(Object.keys(decodeJwt(Redacted.value(yield* sign()))), ["iss", "aud", "iat", "exp", "jti"])
      assert.deepStrictEqual(Object.keys(decodeJwt(Redacted.value(yield* sign({ sessionName: undefined })))), [
        "iss",
        "aud",
        "iat",
        "exp",
        "jti"
      ])
    })
  )

  it.effect("iat comes from the Clock", () =>
    Effect.gen(function* () {
      const sign = yield* JwtOAuth.makeSigner({
        clientId: "c",
        privateKey: Redacted.make(keys.pkcs8),
        publicKeyId: "k"
      })
      yield* TestClock.adjust("1234567 seconds")
      yield* TestClock.adjust("999 millis")
      const claims = decodeJwt(Redacted.value(yield* sign()))
      assert.strictEqual(claims.iat, 1234567)
      assert.strictEqual(claims.exp, 1234567 + JwtOAuth.jwtLifetimeSeconds)
    })
  )

  it.effect("every jti is 32 fresh random bytes, base64url, across many tokens", () =>
    Effect.gen(function* () {
      const sign = yield* JwtOAuth.makeSigner({
        clientId: "c",
        privateKey: Redacted.make(keys.pkcs8),
        publicKeyId: "k"
      })
      const jtis = new Set<string>()
      for (let i = 0; i < 150; i++) {
        const jti = decodeJwt(Redacted.value(yield* sign())).jti!
        assert.match(jti, /^[A-Za-z0-9_-]{43}$/)
        const bytes = Uint8Array.from(atob(jti.replace(/-/g, "+").replace(/_/g, "/")), (char) => char.charCodeAt(0))
        assert.strictEqual(bytes.length, 32)
        jtis.add(jti)
      }
      assert.strictEqual(jtis.size, 150)
    })
  )

  it.effect("a bad PEM is a ConfigError naming the setting, never quoting the key", () =>
    Effect.gen(function* () {
      for (const pem of ["not a key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", keys.publicPem]) {
        const error = yield* Effect.flip(
          JwtOAuth.makeSigner({ clientId: "c", privateKey: Redacted.make(pem), publicKeyId: "k" })
        )
        assert.strictEqual(error.field, "COZE_JWT_OAUTH_PRIVATE_KEY")
        assert.notInclude(error.message, "AAAA")
      }
    })
  )

  it.scoped("an unregistered key id is InvalidClient with a region hint", () =>
    Effect.gen(function* () {
      const { options } = yield* setup()
      const jwt = yield* JwtOAuth.make({ ...options, publicKeyId: "unknown-kid" })
      const error = yield* Effect.flip(jwt.token())
      assert.strictEqual(error._tag, "InvalidClient")
      assert.include(error.message, "COZE_API_BASE")
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("layerConfig reads the env names, the key from a variable", () =>
    Effect.gen(function* () {
      const { app, emulator } = yield* setup()
      const provider = ConfigProvider.fromMap(
        new Map([
          ["COZE_API_BASE", emulator.url],
          ["COZE_JWT_OAUTH_CLIENT_ID", app.client_id],
          ["COZE_JWT_OAUTH_PUBLIC_KEY_ID", app.public_key_id!],
          ["COZE_JWT_OAUTH_PRIVATE_KEY", keys.pkcs8]
        ])
      )
      const token = yield* Effect.flatMap(JwtOAuth.JwtOAuth, (jwt) => jwt.token()).pipe(
        Effect.provide(JwtOAuth.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))),
        Effect.withConfigProvider(provider)
      )
      assert.strictEqual(token.flow, "jwt")
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.effect("layerConfig names every missing setting", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Effect.provide(JwtOAuth.JwtOAuth, JwtOAuth.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))).pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["COZE_API_BASE", "ftp://x"]])))
        )
      )
      assert.strictEqual(error._tag, "ConfigError")
      assert.strictEqual(
        error._tag === "ConfigError" ? error.field : "",
        "COZE_JWT_OAUTH_CLIENT_ID, COZE_JWT_OAUTH_PUBLIC_KEY_ID, COZE_JWT_OAUTH_PRIVATE_KEY, COZE_API_BASE"
      )
      // The key and its file are alternatives: one is at fault, and the message names the other.
      assert.include(
        error.message,
        "COZE_JWT_OAUTH_PRIVATE_KEY is missing (or set COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH)"
      )
    })
  )
})
