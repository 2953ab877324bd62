import { FetchHttpClient } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Option, Redacted } from "effect"
import * as DeviceOAuth from "../src/DeviceOAuth.js"
import * as PkceOAuth from "../src/PkceOAuth.js"
import * as Region from "../src/Region.js"
import * as TokenAuth from "../src/TokenAuth.js"
import * as WebOAuth from "../src/WebOAuth.js"

const withEnv = (entries: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(entries))))

describe("config", () => {
  it.effect("TokenAuth reads COZE_API_TOKEN into a token without expiry", () =>
    Effect.gen(function* () {
      const token = yield* Effect.flatMap(TokenAuth.TokenAuth, (auth) => auth.token).pipe(
        Effect.provide(TokenAuth.layerConfig()),
        withEnv({ COZE_API_TOKEN: "pat_secret" })
      )
      assert.strictEqual(Redacted.value(token.accessToken), "pat_secret")
      assert.isTrue(Option.isNone(token.expiresAt))
      assert.strictEqual(token.flow, "token")
      const missing = yield* Effect.flip(Effect.provide(TokenAuth.TokenAuth, TokenAuth.layerConfig()).pipe(withEnv({})))
      assert.strictEqual(missing.field, "COZE_API_TOKEN")
    })
  )

  it.effect("the region comes from COZE_API_BASE / COZE_WWW_BASE, default coze.com", () =>
    Effect.gen(function* () {
      const regionOf = (env: Record<string, string>) =>
        Effect.flatMap(DeviceOAuth.DeviceOAuth, (device) => Effect.succeed(device.region)).pipe(
          Effect.provide(DeviceOAuth.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))),
          withEnv({ COZE_DEVICE_OAUTH_CLIENT_ID: "1", ...env })
        )
      assert.strictEqual(yield* regionOf({}), Region.com)
      assert.strictEqual(yield* regionOf({ COZE_API_BASE: "https://api.coze.cn/" }), Region.cn)
      const custom = yield* regionOf({ COZE_API_BASE: "http://127.0.0.1:1", COZE_WWW_BASE: "http://127.0.0.1:2" })
      assert.strictEqual(custom.wwwBase, "http://127.0.0.1:2")
    })
  )

  it("a custom region derives its www host from an api. host, and never throws", () => {
    assert.strictEqual(Region.custom({ apiBase: "https://api.example.test/" }).wwwBase, "https://www.example.test")
    assert.strictEqual(Region.custom({ apiBase: "https://myapi.example.test" }).wwwBase, "https://myapi.example.test")
    assert.strictEqual(Region.custom({ apiBase: "not a url" }).wwwBase, "not a url")
  })

  it.effect("a COZE_API_BASE that is not a URL is a ConfigError naming it", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Effect.provide(
          DeviceOAuth.DeviceOAuth,
          DeviceOAuth.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))
        ).pipe(withEnv({ COZE_DEVICE_OAUTH_CLIENT_ID: "1", COZE_API_BASE: "api.coze.cn" }))
      )
      assert.strictEqual(error._tag, "ConfigError")
      assert.strictEqual(
        error.message,
        "invalid configuration: COZE_API_BASE is not an http(s) URL; use https://api.coze.cn"
      )
    })
  )

  it.effect("every missing web and PKCE setting is named", () =>
    Effect.gen(function* () {
      const web = yield* Effect.flip(
        Effect.provide(WebOAuth.WebOAuth, WebOAuth.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))).pipe(
          withEnv({ COZE_WWW_BASE: "nope" })
        )
      )
      assert.strictEqual(web.field, "COZE_WEB_OAUTH_CLIENT_ID, COZE_WEB_OAUTH_CLIENT_SECRET, COZE_WWW_BASE")
      const pkce = yield* Effect.flip(
        Effect.provide(PkceOAuth.PkceOAuth, PkceOAuth.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))).pipe(
          withEnv({})
        )
      )
      assert.strictEqual(pkce.field, "COZE_PKCE_OAUTH_CLIENT_ID")
    })
  )
})
