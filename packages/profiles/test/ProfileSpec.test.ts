import { writeFileSync } from "node:fs"
import * as path from "node:path"
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Option, Redacted } from "effect"
import * as ProfileSpec from "../src/ProfileSpec.js"
import { home } from "./utils/home.js"

const load = (dir: string, env: Record<string, string> = {}) =>
  ProfileSpec.load(dir).pipe(
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))),
    Effect.provide(NodeFileSystem.layer)
  )

const errorOf = (loaded: ProfileSpec.Loaded, name: string) => {
  const broken = loaded.broken.find((b) => b.name === name)
  assert.isDefined(broken, `${name} is not broken`)
  return broken!.error
}

describe("ProfileSpec", () => {
  it.effect("has nothing configured without env or file (the only sandbox case)", () =>
    Effect.gen(function* () {
      const loaded = yield* load(home())
      assert.isTrue(ProfileSpec.isEmpty(loaded))
      // Empty variables (placeholders left in a client's config) count as unset.
      assert.isTrue(ProfileSpec.isEmpty(yield* load(home(), { COZE_API_TOKEN: "", COZE_API_BASE: "" })))
    })
  )

  it.effect("picks the default profile's flow from the env, the static token first", () =>
    Effect.gen(function* () {
      const { specs } = yield* load(home(), {
        COZE_API_TOKEN: "pat_x",
        COZE_DEVICE_OAUTH_CLIENT_ID: "device-id",
        COZE_API_BASE: "https://api.coze.cn"
      })
      assert.strictEqual(specs[0]?.app.flow, "token")
      assert.strictEqual(specs[0]?.region.name, "cn")
      const device = yield* load(home(), { COZE_DEVICE_OAUTH_CLIENT_ID: "device-id" })
      assert.deepStrictEqual(device.specs[0]?.app, { flow: "device", clientId: "device-id" })
      assert.deepStrictEqual(device.defaultProfile, Option.some("default"))
    })
  )

  it.effect("a COZE_* setting without a credential is an error, not a silent sandbox", () =>
    Effect.gen(function* () {
      const web = yield* load(home(), { COZE_WEB_OAUTH_CLIENT_ID: "web", COZE_WEB_OAUTH_CLIENT_SECRET: "s" })
      assert.isFalse(ProfileSpec.isEmpty(web))
      const error = errorOf(web, "default")
      assert.match(error.message, /^profile "default": COZE_WEB_OAUTH_CLIENT_ID, COZE_WEB_OAUTH_CLIENT_SECRET are set/)
      assert.include(error.message, "COZE_DEVICE_OAUTH_CLIENT_ID")
      assert.notInclude(error.message, "s;")
      const baseOnly = yield* load(home(), { COZE_API_BASE: "https://api.coze.cn" })
      assert.match(errorOf(baseOnly, "default").message, /COZE_API_BASE is set, but no credential is/)
    })
  )

  it.effect("reports every faulty env setting of the default profile at once", () =>
    Effect.gen(function* () {
      const loaded = yield* load(home(), {
        COZE_JWT_OAUTH_CLIENT_ID: "jwt",
        COZE_API_BASE: "http://api.coze.cn",
        COZE_WWW_BASE: "nope"
      })
      // Worded by JwtOAuth.config itself, as its layerConfig words it.
      assert.strictEqual(
        errorOf(loaded, "default").field,
        "COZE_JWT_OAUTH_PUBLIC_KEY_ID, COZE_JWT_OAUTH_PRIVATE_KEY, COZE_API_BASE, COZE_WWW_BASE"
      )
      assert.include(errorOf(loaded, "default").message, "use https://api.coze.cn")
      assert.include(
        errorOf(loaded, "default").message,
        "COZE_JWT_OAUTH_PRIVATE_KEY is missing (or set COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH)"
      )
    })
  )

  it.effect("reads the env's key file as JwtOAuth.layerConfig does, and blames that variable", () =>
    Effect.gen(function* () {
      const dir = home()
      writeFileSync(path.join(dir, "key.pem"), "PEM")
      const env = { COZE_JWT_OAUTH_CLIENT_ID: "jwt", COZE_JWT_OAUTH_PUBLIC_KEY_ID: "kid" }
      const { specs } = yield* load(dir, { ...env, COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH: path.join(dir, "key.pem") })
      assert.isTrue(specs[0]?.app.flow === "jwt" && Redacted.value(specs[0].app.privateKey) === "PEM")
      assert.strictEqual(specs[0]?.sources.COZE_JWT_OAUTH_PRIVATE_KEY, "COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH")
      const missing = yield* load(dir, { ...env, COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH: path.join(dir, "gone.pem") })
      assert.strictEqual(errorOf(missing, "default").field, "COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH")
      assert.match(
        errorOf(missing, "default").message,
        /^profile "default": COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH: cannot read/
      )
    })
  )

  it.effect("adds the file's profiles after the env's default", () =>
    Effect.gen(function* () {
      const { specs } = yield* load(home({ cn: { client_type: "device", client_id: "cn-id", region: "cn" } }), {
        COZE_DEVICE_OAUTH_CLIENT_ID: "device-id"
      })
      assert.deepStrictEqual(
        specs.map((s) => [s.name, s.region.apiBase, s.origin]),
        [
          ["default", "https://api.coze.com", "env"],
          ["cn", "https://api.coze.cn", "file"]
        ]
      )
    })
  )

  it.effect("accepts any name a user can type, CJK and spaces included; rejects the rest by name", () =>
    Effect.gen(function* () {
      const loaded = yield* load(
        home({
          国内: { client_type: "device", client_id: "a", region: "cn", default: true },
          "my work": { client_type: "device", client_id: "b" },
          " padded": { client_type: "device", client_id: "c" },
          "": { client_type: "device", client_id: "d" }
        })
      )
      assert.deepStrictEqual(
        loaded.specs.map((s) => s.name),
        ["国内", "my work"]
      )
      assert.deepStrictEqual(loaded.defaultProfile, Option.some("国内"))
      assert.include(errorOf(loaded, " padded").message, 'the profile name " padded" starts or ends with a space')
      assert.include(errorOf(loaded, "").message, 'the profile name "" is empty')
    })
  )

  it.effect("reads entries as the console's app JSON, a key from its file and a token from the env", () =>
    Effect.gen(function* () {
      const dir = home({
        bot: { client_type: "jwt", client_id: "jwt-id", public_key_id: "kid", private_key_file: "bot.pem" },
        web: { client_type: "pkce", client_id: "pkce-id", redirect_uri: "http://127.0.0.1:8080/cb" },
        pat: { client_type: "token", token_env: "COZE_CN_TOKEN", region: "cn" },
        stored: { client_type: "token" }
      })
      writeFileSync(path.join(dir, "bot.pem"), "PEM")
      const { specs } = yield* load(dir, { COZE_CN_TOKEN: "pat_cn" })
      const [bot, web, pat, stored] = specs
      assert.isTrue(bot?.app.flow === "jwt" && Redacted.value(bot.app.privateKey) === "PEM")
      assert.strictEqual(bot?.sources.COZE_JWT_OAUTH_PRIVATE_KEY, "profiles.json: bot.private_key_file")
      assert.deepStrictEqual(web?.app, {
        flow: "pkce",
        clientId: "pkce-id",
        redirectUri: Option.some("http://127.0.0.1:8080/cb")
      })
      assert.isTrue(pat?.app.flow === "token" && Option.exists(pat.app.token, (t) => Redacted.value(t) === "pat_cn"))
      assert.strictEqual(pat?.region.name, "cn")
      assert.deepStrictEqual(stored?.app, { flow: "token", token: Option.none() })
    })
  )

  it.effect("one broken entry leaves the others, and names every field at fault", () =>
    Effect.gen(function* () {
      const loaded = yield* load(
        home({
          good: { client_type: "device", client_id: "ok" },
          web: { client_type: "web", client_id: "x" },
          bot: { client_type: "jwt", client_id: "", region: "eu", private_key_file: "nope.pem" },
          pat: { client_type: "token", token_env: "COZE_CN_TOKEN" },
          base: { client_type: "device", client_id: "x", coze_api_base: "https://www.coze.cn" }
        })
      )
      assert.deepStrictEqual(
        loaded.specs.map((s) => s.name),
        ["good"]
      )
      assert.include(errorOf(loaded, "web").message, "client_type must be one of device, pkce, jwt, token")
      assert.strictEqual(
        errorOf(loaded, "bot").field,
        ["private_key_file", "client_id", "region", "public_key_id"].map((f) => `profiles.json: bot.${f}`).join(", ")
      )
      assert.strictEqual(errorOf(loaded, "pat").field, "profiles.json: pat.token_env")
      assert.include(errorOf(loaded, "base").message, "profiles.json: base.coze_api_base names the web")
      assert.include(errorOf(loaded, "base").message, "use https://api.coze.cn")
    })
  )

  it.effect("a profiles.json that is not JSON is a file error, the env's profile still loads", () =>
    Effect.gen(function* () {
      const loaded = yield* load(home("{"), { COZE_DEVICE_OAUTH_CLIENT_ID: "device-id" })
      assert.strictEqual(loaded.specs.length, 1)
      assert.isTrue(Option.isSome(loaded.fileError))
      assert.match(Option.getOrThrow(loaded.fileError).message, /profiles\.json is not valid JSON/)
    })
  )
})
