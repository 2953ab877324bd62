import { mkdtempSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
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

  it.effect("names the field at fault in a malformed file", () =>
    Effect.gen(function* () {
      const wrongType = yield* Effect.flip(load(home({ bot: { client_type: "web", client_id: "x" } })))
      assert.strictEqual(wrongType._tag, "ConfigError")
      assert.strictEqual(wrongType.field, "profiles.json: bot.client_type")
      const noKeyId = yield* Effect.flip(load(home({ bot: { client_type: "jwt", client_id: "x", private_key: "k" } })))
      assert.strictEqual(noKeyId.field, "profiles.json: bot.public_key_id")
      const notJson = yield* Effect.flip(load(home("{")))
      assert.match(notJson.message, /profiles\.json/)
    })
  )
})
