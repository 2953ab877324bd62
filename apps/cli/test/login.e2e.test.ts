import { generateKeyPairSync } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as path from "node:path"
import * as Chromium from "@coze-auth/emulator/Chromium"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { afterAll, beforeAll } from "vitest"
import { type Emulator, recorder, start, startEmulator, storedSecrets, tempHome } from "./utils/cli.js"

let emulator: Emulator
beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(() => emulator.stop())

const { cli, outputs, record } = recorder()

/** The Coze console's app JSON for an emulator app, saved where `profiles add --from-json` reads it. */
const consoleJson = (home: string, name: string, app: Record<string, unknown>) => {
  const file = path.join(home, `${name}.json`)
  writeFileSync(file, JSON.stringify({ ...app, coze_api_base: emulator.url, coze_www_base: emulator.url }))
  return file
}

const rsaKey = () =>
  generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" }
  })

describe("coze-auth login", () => {
  it("--web logs in with PKCE, approved in headless Chromium, through the loopback receiver", async () => {
    const home = tempHome()
    const env = { COZE_AUTH_HOME: home }
    const app = await emulator.createApp({ type: "pkce" })
    const added = await cli(
      ["profiles", "add", "--from-json", consoleJson(home, "pkce", { client_type: "pkce", ...app }), "browser"],
      env
    )
    assert.strictEqual(added.code, 0, added.stderr)

    const login = start(["login", "--web"], env)
    // No display in the test's environment: the CLI says why it opens no browser and prints the URL.
    const url = (await login.stdout.find(/^(http:\/\/\S+authorize\S+)$/m))[1]!
    assert.include(login.stdout.text(), "Not opening a browser (no graphical session")
    await Effect.runPromise(
      Effect.scoped(
        Effect.flatMap(Chromium.page, (page) =>
          Effect.promise(async () => {
            await page.goto(url)
            await page.click("#approve")
            await page.waitForURL(/127\.0\.0\.1:\d+\/callback/)
          })
        )
      )
    )
    const result = await login.done
    record(result)
    assert.strictEqual(result.code, 0, result.stderr)
    assert.include(result.stdout, 'Logged in to profile "browser"')

    const token = (await cli(["token", "--profile", "browser"], env)).stdout.trimEnd()
    assert.strictEqual(await emulator.usersMe(token), 200)
    const [status] = JSON.parse((await cli(["status", "--json"], env)).stdout)
    assert.deepInclude(status, { profile: "browser", flow: "pkce", authenticated: true, refreshable: true })
    for (const secret of storedSecrets(home)) for (const output of outputs) assert.notInclude(output, secret)
  })

  it("of a service (JWT) app checks that a token can be minted and says no login is needed", async () => {
    const home = tempHome()
    const env = { COZE_AUTH_HOME: home }
    const { privateKey, publicKey } = rsaKey()
    const app = await emulator.createApp({ type: "jwt", public_key_pem: publicKey })
    const file = consoleJson(home, "jwt", { client_type: "jwt", ...app, private_key: privateKey })
    assert.strictEqual((await cli(["profiles", "add", "--from-json", file, "bot"], env)).code, 0)
    const login = await cli(["login", "--profile", "bot"], env)
    assert.strictEqual(login.code, 0, login.stderr)
    assert.include(login.stdout, "needs no login")
    const token = (await cli(["token", "--profile", "bot"], env)).stdout.trimEnd()
    assert.strictEqual(await emulator.usersMe(token), 200)

    // A key the app does not know: the login fails, in one line, and says so.
    const stranger = consoleJson(home, "stranger", { client_type: "jwt", ...app, private_key: rsaKey().privateKey })
    assert.strictEqual((await cli(["profiles", "add", "--from-json", stranger, "stranger"], env)).code, 0)
    const refused = await cli(["login", "--profile", "stranger"], env)
    assert.strictEqual(refused.code, 1)
    assert.strictEqual(refused.stderr.trimEnd().split("\n").length, 1, refused.stderr)
    assert.match(refused.stderr, /^coze-auth: /)
    for (const output of outputs) assert.notInclude(output, privateKey.split("\n")[1]!)
  })

  it("ends at the deadlines the environment sets (COZE_AUTH_*_TIMEOUT), and refuses a malformed one by name", async () => {
    // Accepts every request and never answers.
    const silent = http.createServer(() => {})
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve))
    try {
      const env = {
        COZE_AUTH_HOME: tempHome(),
        COZE_API_BASE: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
        COZE_DEVICE_OAUTH_CLIENT_ID: "1234567890123.app.coze"
      }
      const login = await cli(["login"], {
        ...env,
        COZE_AUTH_REQUEST_TIMEOUT: "0.5",
        COZE_AUTH_OPERATION_TIMEOUT: "1.5"
      })
      assert.strictEqual(login.code, 1, login.stderr)
      assert.strictEqual(login.stderr.trimEnd().split("\n").length, 1, login.stderr)
      // The defaults (30 s, 1 min) would say so; these are the environment's.
      assert.match(login.stderr, /^coze-auth: .*within (500ms|1s 500ms)/)
      const malformed = await cli(["status"], { ...env, COZE_AUTH_REQUEST_TIMEOUT: "0" })
      assert.strictEqual(malformed.code, 1)
      assert.match(malformed.stderr, /^coze-auth: .*COZE_AUTH_REQUEST_TIMEOUT must be a number of seconds above 0/)
    } finally {
      silent.closeAllConnections()
      silent.close()
    }
  })

  it("--with-token stores a token read from stdin once the API accepts it, and refuses one it does not", async () => {
    const home = tempHome()
    const env = { COZE_AUTH_HOME: home, COZE_API_BASE: emulator.url }
    // Any token the API accepts will do as a "PAT": here a service app's.
    const { privateKey, publicKey } = rsaKey()
    const app = await emulator.createApp({ type: "jwt", public_key_pem: publicKey })
    const jwtFile = consoleJson(home, "jwt", { client_type: "jwt", ...app, private_key: privateKey })
    await cli(["profiles", "add", "--from-json", jwtFile, "bot"], env)
    const pat = (await cli(["token", "--profile", "bot"], env)).stdout.trimEnd()

    const stored = await cli(["login", "--with-token", "--profile", "pat"], env, { input: `${pat}\n` })
    assert.strictEqual(stored.code, 0, stored.stderr)
    assert.include(stored.stdout, "Emulator User")
    assert.deepInclude(JSON.parse(readFileSync(path.join(home, "profiles.json"), "utf8")).pat, {
      client_type: "token",
      coze_api_base: emulator.url
    })
    assert.strictEqual((await cli(["token", "--profile", "pat"], env)).stdout, `${pat}\n`)
    const [status] = JSON.parse((await cli(["status", "--profile", "pat", "--json"], env)).stdout)
    assert.deepInclude(status, { profile: "pat", flow: "token", authenticated: true, expires_at: null })
    assert.strictEqual(status.store.kind, "file")
    const human = await cli(["status", "--profile", "pat"], env)
    assert.include(human.stdout, `${pat.slice(0, 4)}…${pat.slice(-4)}`)
    const refresh = await cli(["refresh", "--profile", "pat"], env)
    assert.strictEqual(refresh.code, 1)
    assert.include(refresh.stderr, "cannot be refreshed")

    // Another process holds the lock (a fresh lock directory): the write waits COZE_AUTH_LOCK_WAIT, then says so.
    mkdirSync(path.join(home, "tokens", "locked.json.lock"))
    const locked = await cli(
      ["login", "--with-token", "--profile", "locked"],
      { ...env, COZE_AUTH_LOCK_WAIT: "0.5" },
      {
        input: `${pat}\n`
      }
    )
    assert.strictEqual(locked.code, 1, locked.stderr)
    assert.match(locked.stderr, /^coze-auth: .*cannot lock .*locked\.json within 500ms/)
    assert.isFalse(existsSync(path.join(home, "tokens", "locked.json")))

    const bad = await cli(["login", "--with-token", "--profile", "bad"], env, {
      input: "pat_not_a_valid_token_at_all\n"
    })
    assert.strictEqual(bad.code, 1)
    assert.include(bad.stderr, "refused the token")
    assert.notInclude(bad.stderr, "pat_not_a_valid_token_at_all")
    assert.isUndefined(JSON.parse(readFileSync(path.join(home, "profiles.json"), "utf8")).bad)
    assert.isFalse(existsSync(path.join(home, "tokens", "bad.json")))

    // Never from argv, which `ps` shows.
    const inArgv = await cli(["login", "--with-token", pat], env)
    assert.strictEqual(inArgv.code, 2)
    assert.include(inArgv.stderr, "standard input")
    const empty = await cli(["login", "--with-token", "--profile", "empty"], env, { input: "" })
    assert.strictEqual(empty.code, 1)
    assert.include(empty.stderr, "no token on standard input")
    for (const output of outputs) assert.notInclude(output, pat)
  })
})

describe("coze-auth profiles", () => {
  it("adds, lists, chooses the default and removes profiles in profiles.json", async () => {
    const home = tempHome()
    const env = { COZE_AUTH_HOME: home }
    const device = await emulator.createApp({ type: "device" })
    const pkce = await emulator.createApp({ type: "pkce" })
    assert.strictEqual(
      (
        await cli(
          ["profiles", "add", "--from-json", consoleJson(home, "d", { client_type: "device", ...device }), "cn"],
          env
        )
      ).code,
      0
    )
    await cli(["profiles", "add", "--from-json", consoleJson(home, "p", { client_type: "pkce", ...pkce }), "web"], env)
    const list = async () => JSON.parse((await cli(["profiles", "list", "--json"], env)).stdout)
    assert.deepStrictEqual(
      (await list()).map((p: Record<string, unknown>) => [p.name, p.flow, p.api_base, p.default]),
      [
        ["cn", "device", emulator.url, true],
        ["web", "pkce", emulator.url, false]
      ]
    )
    assert.strictEqual((await cli(["profiles", "default", "web"], env)).code, 0)
    assert.deepStrictEqual(
      (await list()).map((p: Record<string, unknown>) => [p.name, p.default]),
      [
        ["web", true],
        ["cn", false]
      ]
    )
    // The default profile is the one `login` uses without --profile.
    const login = start(["login"], env)
    await login.stdout.find(/^http:\/\/\S+authorize/m)
    login.child.kill("SIGINT")
    assert.include((await login.done).stdout, 'profile "web"')

    const duplicate = await cli(["profiles", "add", "--from-json", path.join(home, "d.json"), "cn"], env)
    assert.strictEqual(duplicate.code, 1)
    assert.include(duplicate.stderr, "exists already")
    // An app JSON missing its client_id is refused with the field named, and profiles.json keeps its entries.
    const broken = consoleJson(home, "broken", { client_type: "device" })
    const refused = await cli(["profiles", "add", "--from-json", broken, "broken"], env)
    assert.strictEqual(refused.code, 1)
    assert.include(refused.stderr, "client_id")
    assert.deepStrictEqual(Object.keys(JSON.parse(readFileSync(path.join(home, "profiles.json"), "utf8"))), [
      "cn",
      "web"
    ])

    assert.strictEqual((await cli(["profiles", "remove", "cn"], env)).code, 0)
    assert.deepStrictEqual(
      (await list()).map((p: Record<string, unknown>) => p.name),
      ["web"]
    )
    assert.strictEqual((await cli(["profiles", "remove", "cn"], env)).code, 1)

    // A profile broken by hand is reported by status (exit 0) and named by the commands that need it.
    const file = path.join(home, "profiles.json")
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), bad: { client_type: "jwt" } }))
    const status = await cli(["status"], env)
    assert.strictEqual(status.code, 0)
    assert.match(status.stdout, /^web\n/m)
    assert.match(status.stdout, /^bad\n {2}broken {6}.*client_id/m)
    const token = await cli(["token", "--profile", "bad"], env)
    assert.strictEqual(token.code, 1)
    assert.include(token.stderr, "bad")
  })
})
