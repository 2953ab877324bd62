/**
 * The built CLI on the stores beyond one file, as users run it: two "machines" (separate homes, no shared
 * files) on one real redis-server, and the OS keychain on a real Secret Service. The Redis store is a chunk
 * of the bundle loaded on demand and the keychain a native module kept external: both must work from dist.
 */
import { existsSync, readdirSync } from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { afterAll, beforeAll } from "vitest"
import { ensureRedis, type RedisServer, startRedisServer } from "../../../scripts/ensure-redis.mjs"
import { ensureSecretService, startSecretService } from "../../../scripts/ensure-secret-service.mjs"
import { type Emulator, recorder, start, startEmulator, tempHome } from "./utils/cli.js"

let emulator: Emulator
let redis: RedisServer | undefined
let secrets: { env: Record<string, string>; stop: () => Promise<void> } | undefined
beforeAll(async () => {
  emulator = await startEmulator()
  if (ensureRedis()) redis = await startRedisServer()
  if (process.platform === "linux" && ensureSecretService()) secrets = await startSecretService()
})
afterAll(async () => {
  await Promise.all([emulator.stop(), redis?.stop(), secrets?.stop()])
})

const { cli, outputs, record } = recorder()

const deviceLogin = async (env: Record<string, string>) => {
  const login = start(["login"], env)
  const code = (await login.stdout.find(/confirm the code: (\S+)/))[1]!
  await emulator.control("/device/approve", { user_code: code })
  const result = await login.done
  record(result)
  assert.strictEqual(result.code, 0, result.stderr)
}

const tokenFiles = (home: string) => {
  const dir = path.join(home, "tokens")
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith(".json")) : []
}

// 32 fixed bytes: a test's key, nothing secret.
const storeKey = Buffer.alloc(32, 9).toString("base64")

describe("coze-auth on a Redis store", () => {
  it("one login serves another machine: same token, sealed in Redis, no token file anywhere", async (ctx) => {
    if (redis === undefined) return ctx.skip("redis-server is not installed and cannot be installed here")
    const app = await emulator.createApp({ type: "device" })
    const url = redis.url.replace("redis://", "redis://:hunter2-not-used@")
    const machine = (home: string) => ({
      COZE_AUTH_HOME: home,
      COZE_AUTH_STORE: url,
      COZE_AUTH_STORE_KEY: storeKey,
      COZE_API_BASE: emulator.url,
      COZE_DEVICE_OAUTH_CLIENT_ID: app.client_id
    })
    const [a, b] = [tempHome(), tempHome()]
    await deviceLogin(machine(a))

    const status = await cli(["status", "--json"], machine(b))
    assert.strictEqual(status.code, 0, status.stderr)
    const [entry] = JSON.parse(status.stdout)
    assert.deepInclude(entry, {
      authenticated: true,
      store: { kind: "redis", location: redis.url, encrypted: true }
    })
    const onA = (await cli(["token"], machine(a))).stdout
    const onB = (await cli(["token"], machine(b))).stdout
    assert.strictEqual(onB, onA)
    assert.strictEqual(await emulator.usersMe(onB.trimEnd()), 200)
    assert.deepStrictEqual([...tokenFiles(a), ...tokenFiles(b)], [])

    assert.strictEqual((await cli(["logout"], machine(b))).code, 0)
    assert.strictEqual((await cli(["token"], machine(a))).code, 3, "logged out on every machine")
    for (const output of outputs) {
      assert.notInclude(output, onA.trimEnd())
      assert.notInclude(output, "hunter2-not-used")
    }
  })

  it("without COZE_AUTH_STORE_KEY the store is refused in one line that says how to make a key", async (ctx) => {
    if (redis === undefined) return ctx.skip("redis-server is not installed and cannot be installed here")
    const result = await cli(["token"], {
      COZE_AUTH_HOME: tempHome(),
      COZE_AUTH_STORE: redis.url,
      COZE_DEVICE_OAUTH_CLIENT_ID: "any"
    })
    assert.strictEqual(result.code, 1)
    assert.strictEqual(result.stdout, "")
    assert.include(result.stderr, "COZE_AUTH_STORE_KEY")
    assert.include(result.stderr, "openssl rand -base64 32")
  })
})

describe("coze-auth on the OS keychain", () => {
  it("keeps the login in the Secret Service, not in a file, and forgets it on logout", async (ctx) => {
    if (secrets === undefined) return ctx.skip("no Secret Service (dbus and gnome-keyring) can be had here")
    const app = await emulator.createApp({ type: "device" })
    const home = tempHome()
    const env = {
      ...secrets.env,
      COZE_AUTH_HOME: home,
      COZE_AUTH_STORE: "keychain",
      COZE_API_BASE: emulator.url,
      COZE_DEVICE_OAUTH_CLIENT_ID: app.client_id
    }
    await deviceLogin(env)
    const [entry] = JSON.parse((await cli(["status", "--json"], env)).stdout)
    assert.deepInclude(entry, { authenticated: true })
    assert.deepInclude(entry.store, { kind: "keychain", encrypted: true })
    const token = (await cli(["token"], env)).stdout.trimEnd()
    assert.strictEqual(await emulator.usersMe(token), 200)
    assert.deepStrictEqual(tokenFiles(home), [])

    assert.strictEqual((await cli(["logout"], env)).code, 0)
    assert.strictEqual((await cli(["token"], env)).code, 3)
    for (const output of outputs) assert.notInclude(output, token)
  })

  it("without a Secret Service it fails closed and says how to choose the file store", async () => {
    const result = await cli(["token"], {
      COZE_AUTH_HOME: tempHome(),
      COZE_AUTH_STORE: "keychain",
      COZE_DEVICE_OAUTH_CLIENT_ID: "any",
      DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus"
    })
    assert.strictEqual(result.code, 1)
    assert.include(result.stderr, "COZE_AUTH_STORE=file")
  })
})
