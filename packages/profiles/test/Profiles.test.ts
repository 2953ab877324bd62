import { writeFileSync } from "node:fs"
import * as path from "node:path"
import { Token } from "@coze-auth/core/Token"
import { TokenStore } from "@coze-auth/core/TokenStore"
import { FetchHttpClient } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, DateTime, Effect, Either, Layer, Option, Redacted, TestClock } from "effect"
import * as Home from "../src/Home.js"
import * as Profiles from "../src/Profiles.js"
import * as Status from "../src/Status.js"
import * as Store from "../src/Store.js"
import { home } from "./utils/home.js"

const withEnv = (env: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

const profilesOf = (env: Record<string, string>) =>
  Effect.gen(function* () {
    return { profiles: yield* Profiles.Profiles, store: yield* TokenStore }
  }).pipe(
    Effect.provide(
      Profiles.layerConfig().pipe(Layer.provide(Layer.merge(FetchHttpClient.layer, NodeFileSystem.layer)))
    ),
    withEnv(env)
  )

describe("Profiles", () => {
  it.effect("a bad key in one profiles.json entry breaks that profile alone, named by its field", () =>
    Effect.gen(function* () {
      const dir = home({
        bot: { client_type: "jwt", client_id: "jwt-id", public_key_id: "kid", private_key_file: "bot.pem" },
        inline: { client_type: "jwt", client_id: "jwt-id", public_key_id: "kid", private_key: "nope" },
        cn: { client_type: "device", client_id: "cn-id", region: "cn" }
      })
      writeFileSync(path.join(dir, "bot.pem"), "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n")
      const { profiles } = yield* profilesOf({ COZE_AUTH_HOME: dir })
      assert.deepStrictEqual(
        profiles.all.map((p) => p.name),
        ["cn"]
      )
      const bot = yield* Effect.flip(profiles.get("bot"))
      assert.strictEqual(bot._tag, "ConfigError")
      assert.match(bot.message, /^profile "bot": profiles\.json: bot\.private_key_file is not a valid RSA private key/)
      assert.notInclude(bot.message, "COZE_JWT_OAUTH")
      const inline = yield* Effect.flip(profiles.get("inline"))
      assert.match(inline.message, /^profile "inline": profiles\.json: inline\.private_key is not a PEM private key/)
      const unknown = yield* Effect.flip(profiles.get("nope"))
      assert.strictEqual(unknown.message, 'Unknown profile "nope"; configured profiles: cn, bot, inline')
      assert.strictEqual((yield* profiles.get(undefined)).name, "cn")
      // `find` looks up the usable ones on the spot; a broken or unknown name is for `get` to explain.
      assert.deepStrictEqual(
        ["cn", undefined, "bot", "nope"].map((name) => Option.map(profiles.find(name), (p) => p.name)),
        [Option.some("cn"), Option.some("cn"), Option.none(), Option.none()]
      )
    })
  )

  it.effect("a key file named by COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH is blamed by that name", () =>
    Effect.gen(function* () {
      const dir = home()
      writeFileSync(path.join(dir, "key.pem"), "not a key")
      const { profiles } = yield* profilesOf({
        COZE_AUTH_HOME: dir,
        COZE_JWT_OAUTH_CLIENT_ID: "jwt-id",
        COZE_JWT_OAUTH_PUBLIC_KEY_ID: "kid",
        COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH: path.join(dir, "key.pem")
      })
      const error = yield* Effect.flip(profiles.get(undefined))
      assert.match(error.message, /^profile "default": COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH is not a PEM private key/)
    })
  )

  it.effect("status: valid now, expired and refreshable, and where the credential lives", () =>
    Effect.gen(function* () {
      const dir = home({ pat: { client_type: "token", token_env: "MY_PAT" } })
      const { profiles, store } = yield* profilesOf({
        COZE_AUTH_HOME: dir,
        COZE_AUTH_STORE: "memory",
        COZE_DEVICE_OAUTH_CLIENT_ID: "device-id",
        MY_PAT: "pat_secret"
      })
      const device = yield* profiles.get("default")
      const before = yield* Status.of(device, profiles.store)
      assert.deepInclude(before, { authenticated: false, valid: false, expired: false, expires_at: null })
      assert.deepStrictEqual(before.store, { kind: "memory", location: "memory", encrypted: false })
      const now = yield* DateTime.now
      yield* store.set(
        "default",
        new Token({
          accessToken: Redacted.make("at"),
          refreshToken: Option.some(Redacted.make("rt")),
          expiresAt: Option.some(DateTime.add(now, { seconds: 60 })),
          flow: "device",
          obtainedAt: now,
          logId: Option.none()
        })
      )
      const fresh = yield* Status.of(device, profiles.store)
      assert.deepInclude(fresh, { authenticated: true, valid: true, expired: false, refreshable: true })
      yield* TestClock.adjust("61 seconds")
      const stale = yield* Status.of(device, profiles.store)
      assert.deepInclude(stale, { authenticated: true, valid: false, expired: true, refreshable: true })
      const pat = yield* Status.of(yield* profiles.get("pat"), profiles.store)
      assert.deepInclude(pat, { flow: "token", valid: true, refreshable: false, expires_at: null })
      assert.deepStrictEqual(pat.store, { kind: "env", location: "MY_PAT", encrypted: false })
      const refresh = yield* Effect.flip((yield* profiles.get("pat")).refresh)
      assert.strictEqual(refresh._tag, "NotRefreshable")
      assert.include(refresh.message, "cannot be refreshed")
    })
  )
})

describe("Home", () => {
  it.effect("COZE_AUTH_HOME, else XDG_CONFIG_HOME/coze-auth; an empty value counts as unset", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* Home.load.pipe(withEnv({ COZE_AUTH_HOME: "/srv/coze" })), "/srv/coze")
      assert.strictEqual(
        yield* Home.load.pipe(withEnv({ COZE_AUTH_HOME: "", XDG_CONFIG_HOME: "/x" })),
        path.join("/x", "coze-auth")
      )
      assert.strictEqual(yield* Home.load.pipe(withEnv({ COZE_AUTH_HOME: "rel" })), path.resolve("rel"))
    })
  )
})

describe("Store", () => {
  it("parses COZE_AUTH_STORE, never quoting a Redis password", () => {
    assert.deepStrictEqual(Store.parse(undefined, "/h"), Either.right(Store.StoreChoice.File({ home: "/h" })))
    assert.deepStrictEqual(Store.parse(" memory ", "/h"), Either.right(Store.StoreChoice.Memory()))
    assert.deepStrictEqual(Store.parse("keychain", "/h"), Either.right(Store.StoreChoice.Keychain({ home: "/h" })))
    const redis = Store.parse("rediss://:hunter2@cache.local:6380/2", "/h")
    assert.isTrue(Either.isRight(redis) && redis.right._tag === "Redis")
    if (Either.isRight(redis) && redis.right._tag === "Redis") {
      assert.strictEqual(redis.right.location, "rediss://cache.local:6380/2")
      assert.deepStrictEqual(Store.info(redis.right, "x"), {
        kind: "redis",
        location: "rediss://cache.local:6380/2",
        encrypted: true
      })
    }
    const wrong = Store.parse("files", "/h")
    assert.isTrue(Either.isLeft(wrong) && wrong.left.field === "COZE_AUTH_STORE")
    const badRedis = Store.parse("redis://:hunter2@", "/h")
    assert.isTrue(Either.isLeft(badRedis) && !badRedis.left.message.includes("hunter2"))
  })

  it.effect("a Redis store without COZE_AUTH_STORE_KEY is refused with how to make one, never another store", () =>
    Effect.gen(function* () {
      const env = { COZE_AUTH_HOME: home(), COZE_AUTH_STORE: "redis://:hunter2@127.0.0.1:1/0" }
      const error = yield* Effect.flip(Layer.build(Store.layerConfig).pipe(Effect.scoped, withEnv(env)))
      assert.strictEqual(error.field, "COZE_AUTH_STORE_KEY")
      assert.match(error.message, /openssl rand -base64 32/)
      assert.notInclude(error.message, "hunter2")
    })
  )

  it.effect("status says a Redis store is encrypted unless COZE_AUTH_STORE_KEY opts out", () =>
    Effect.gen(function* () {
      const load = (key: string) =>
        Store.load.pipe(
          withEnv({ COZE_AUTH_HOME: home(), COZE_AUTH_STORE: "redis://r:6379", COZE_AUTH_STORE_KEY: key })
        )
      assert.isTrue(Store.info(yield* load("AAAA"), "x").encrypted)
      assert.isFalse(Store.info(yield* load(" unencrypted "), "x").encrypted)
    })
  )

  it.effect("the file store lives under COZE_AUTH_HOME/tokens", () =>
    Effect.gen(function* () {
      const dir = home()
      const { profiles, store } = yield* profilesOf({ COZE_AUTH_HOME: dir, COZE_DEVICE_OAUTH_CLIENT_ID: "d" })
      const status = yield* Status.of(yield* profiles.get(undefined), profiles.store)
      assert.deepStrictEqual(status.store, {
        kind: "file",
        location: path.join(dir, "tokens", "default.json"),
        encrypted: false
      })
      assert.strictEqual(store.location("default"), status.store.location)
    })
  )
})
