import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Schema } from "effect"
import * as OAuthApp from "../src/OAuthApp.js"
import * as Region from "../src/Region.js"

describe("OAuthApp", () => {
  it.effect("loads each client type, with the region from coze_api_base", () =>
    Effect.gen(function* () {
      const jwt = yield* OAuthApp.fromJson(
        JSON.stringify({
          client_type: "jwt",
          client_id: "1.app.coze",
          private_key: "PEM",
          public_key_id: "kid",
          coze_api_base: "https://api.coze.cn",
          coze_www_base: "https://www.coze.cn"
        })
      )
      assert.strictEqual(jwt._tag, "Jwt")
      assert.strictEqual(jwt.region.apiBase, Region.cn.apiBase)
      const web = yield* OAuthApp.fromJson({ client_type: "web", client_id: "2", client_secret: "s" })
      assert.isTrue(web._tag === "Web" && Redacted.value(web.clientSecret) === "s" && web.region === Region.com)
      assert.strictEqual((yield* OAuthApp.fromJson({ client_type: "device", client_id: "3" }))._tag, "Device")
      assert.strictEqual((yield* OAuthApp.fromJson({ client_type: "pkce", client_id: "4" }))._tag, "Pkce")
    })
  )

  it.effect("names every missing or malformed field in one error, quoting no value", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        OAuthApp.fromJson({ client_type: "jwt", client_id: "", private_key: 42, coze_api_base: "api.coze.cn" })
      )
      for (const field of ["client_id", "private_key", "public_key_id", "coze_api_base"]) {
        assert.include(error.field, field)
        assert.include(error.message, field)
      }
      assert.notInclude(error.message, "42")
      const web = yield* Effect.flip(OAuthApp.fromJson({ client_type: "web" }))
      assert.strictEqual(web.field, "client_id, client_secret")
      const type = yield* Effect.flip(OAuthApp.fromJson({ client_type: "service", client_id: "1" }))
      assert.strictEqual(type.field, "client_type")
      assert.include(type.message, "client_type must be one of web, pkce, device, jwt")
      assert.include((yield* Effect.flip(OAuthApp.fromJson("{oops"))).message, "not valid JSON")
      assert.include((yield* Effect.flip(OAuthApp.fromJson("[1]"))).message, "not a JSON object")
    })
  )

  it.effect("decodes as a union on client_type: each type's own fields required, its secrets Redacted", () =>
    Effect.gen(function* () {
      const empty = yield* Effect.flip(
        OAuthApp.fromJson({ client_type: "jwt", client_id: "1", private_key: "", public_key_id: "" })
      )
      assert.strictEqual(
        empty.message,
        "invalid configuration: private_key is required for client_type jwt; public_key_id is required for client_type jwt"
      )
      const json = Schema.decodeUnknownSync(OAuthApp.ConsoleJson)({
        client_type: "web",
        client_id: "2",
        client_secret: "web-secret"
      })
      assert.isTrue(json.client_type === "web" && Redacted.isRedacted(json.client_secret))
      assert.notInclude(String(json.client_type === "web" ? json.client_secret : ""), "web-secret")
    })
  )

  it.effect("rejects api and www bases that do not parse as URLs", () =>
    Effect.gen(function* () {
      for (const base of ["https://api.coze.cn:99999", "http://[bad"]) {
        const error = yield* Effect.flip(
          OAuthApp.fromJson({ client_type: "pkce", client_id: "1", coze_api_base: base, coze_www_base: base })
        )
        assert.strictEqual(error.field, "coze_api_base, coze_www_base")
      }
    })
  )
})
