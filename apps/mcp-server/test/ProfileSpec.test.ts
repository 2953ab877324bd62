import { mkdtempSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Option, Redacted } from "effect"
import * as ProfileSpec from "../src/ProfileSpec.js"

const home = (profiles?: unknown) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "coze-auth-profiles-"))
  if (profiles !== undefined) writeFileSync(path.join(dir, "profiles.json"), JSON.stringify(profiles))
  return dir
}

const load = (dir: string, env: Record<string, string> = {}) =>
  ProfileSpec.load(dir).pipe(
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))),
    Effect.provide(NodeFileSystem.layer)
  )

describe("ProfileSpec", () => {
  it.effect("has no profiles without env or file (the sandbox case)", () =>
    Effect.map(load(home()), (specs) => assert.strictEqual(specs.length, 0))
  )

  it.effect("picks the default profile's flow from the env, the static token first", () =>
    Effect.gen(function* () {
      const [spec] = yield* load(home(), {
        COZE_API_TOKEN: "pat_x",
        COZE_DEVICE_OAUTH_CLIENT_ID: "device-id",
        COZE_API_BASE: "https://api.coze.cn"
      })
      assert.strictEqual(spec?.app.flow, "token")
      assert.strictEqual(spec?.region.name, "cn")
      const [device] = yield* load(home(), { COZE_DEVICE_OAUTH_CLIENT_ID: "device-id" })
      assert.deepStrictEqual(device?.app, { flow: "device", clientId: "device-id" })
    })
  )

  it.effect("adds the file's profiles after the env's default", () =>
    Effect.gen(function* () {
      const specs = yield* load(home({ cn: { client_type: "device", client_id: "cn-id", region: "cn" } }), {
        COZE_DEVICE_OAUTH_CLIENT_ID: "device-id"
      })
      assert.deepStrictEqual(
        specs.map((s) => [s.name, s.region.apiBase]),
        [
          ["default", "https://api.coze.com"],
          ["cn", "https://api.coze.cn"]
        ]
      )
    })
  )

  it.effect("reads entries as the console's app JSON, a key from its file and a token from the env", () =>
    Effect.gen(function* () {
      const dir = home({
        bot: { client_type: "jwt", client_id: "jwt-id", public_key_id: "kid", private_key_file: "bot.pem" },
        web: { client_type: "pkce", client_id: "pkce-id", redirect_uri: "http://127.0.0.1:8080/cb" },
        pat: { client_type: "token", token_env: "COZE_CN_TOKEN", region: "cn" }
      })
      writeFileSync(path.join(dir, "bot.pem"), "PEM")
      const [bot, web, pat] = yield* load(dir, { COZE_CN_TOKEN: "pat_cn" })
      assert.isTrue(bot?.app.flow === "jwt" && Redacted.value(bot.app.privateKey) === "PEM")
      assert.deepStrictEqual(web?.app, {
        flow: "pkce",
        clientId: "pkce-id",
        redirectUri: Option.some("http://127.0.0.1:8080/cb")
      })
      assert.isTrue(pat?.app.flow === "token" && Redacted.value(pat.app.token) === "pat_cn")
      assert.strictEqual(pat?.region.name, "cn")
    })
  )

  it.effect("names every field at fault in a malformed file, in core's format", () =>
    Effect.gen(function* () {
      const wrongType = yield* Effect.flip(load(home({ bot: { client_type: "web", client_id: "x" } })))
      assert.strictEqual(wrongType._tag, "ConfigError")
      assert.strictEqual(wrongType.field, "profiles.json: bot.client_type")
      assert.include(wrongType.message, "client_type must be one of device, pkce, jwt, token")
      const jwt = yield* Effect.flip(load(home({ bot: { client_type: "jwt", client_id: "", region: "eu" } })))
      assert.strictEqual(
        jwt.field,
        ["client_id", "region", "private_key", "public_key_id"].map((f) => `profiles.json: bot.${f}`).join(", ")
      )
      const noKeyFile = yield* Effect.flip(
        load(home({ bot: { client_type: "jwt", client_id: "x", public_key_id: "k", private_key_file: "nope.pem" } }))
      )
      assert.strictEqual(noKeyFile.field, "profiles.json: bot.private_key_file")
      const noEnv = yield* Effect.flip(load(home({ pat: { client_type: "token", token_env: "COZE_CN_TOKEN" } })))
      assert.strictEqual(noEnv.field, "profiles.json: pat.token_env")
      const notJson = yield* Effect.flip(load(home("{")))
      assert.match(notJson.message, /profiles\.json is not a JSON object/)
    })
  )
})
