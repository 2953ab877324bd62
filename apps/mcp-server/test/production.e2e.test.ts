/**
 * The shipped build with a user's own credentials (no sandbox): the built `dist/main.js` over stdio, the
 * emulator's `bin` as a separate process, profiles from the COZE_* variables and from profiles.json, the file
 * store in a temporary COZE_AUTH_HOME. Each login flow, restarts, two processes sharing one home, a refresh
 * for both after the emulator's clock moved, the token files' permissions, and the API tools calling Coze with
 * each profile's credential (a static PAT from the environment included) without a token in any result.
 */
import { generateKeyPairSync } from "node:crypto"
import { existsSync, statSync, writeFileSync } from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as path from "node:path"
import * as Chromium from "@coze-auth/emulator/Chromium"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { structured, textOf, usersMe } from "./utils/harness.js"
import { type EmulatorProcess, type ServerProcess, startEmulator, startServer } from "./utils/production.js"
import { tempHome } from "./utils/spawned.js"

type Status = {
  readonly profile: string
  readonly authenticated: boolean
  readonly valid: boolean
  readonly store: { readonly kind: string; readonly location: string; readonly encrypted: boolean }
}

let emulator: EmulatorProcess
const servers: Array<ServerProcess> = []
beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()))
  await emulator?.stop()
})

const start = async (env: Record<string, string>) => {
  const server = await startServer(env)
  servers.push(server)
  return server
}

const statusOf = async (server: ServerProcess) => {
  const result = structured(await server.call("status"))
  return {
    mode: result.mode,
    errors: result.errors as Array<{ readonly profile: string; readonly error: string }>,
    byName: new Map((result.profiles as Array<Status>).map((p) => [p.profile, p]))
  }
}

const tokenOf = async (server: ServerProcess, profile: string) => {
  const token = structured(await server.call("token", { profile }))
  return token.access_token as string
}

const refreshGrants = async () => (await emulator.requests()).filter((r) => r.grant_type === "refresh_token").length

const approveInChromium = (url: string) =>
  Effect.runPromise(
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

describe("the built server with real profiles and the file store", () => {
  it("logs in with JWT, device and PKCE, keeps the logins across restarts and processes, refreshes once for both, calls the API with each credential", async () => {
    const device = await emulator.control<{ client_id: string }>("/apps", { type: "device" })
    const pkce = await emulator.control<{ client_id: string }>("/apps", { type: "pkce" })
    const keys = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" }
    })
    const jwt = await emulator.control<{ client_id: string; public_key_id: string }>("/apps", {
      type: "jwt",
      public_key_pem: keys.publicKey
    })
    const pat = await emulator.control<{ token: string }>("/pats", {})
    const home = tempHome()
    writeFileSync(path.join(home, "bot.pem"), keys.privateKey)
    writeFileSync(
      path.join(home, "profiles.json"),
      JSON.stringify({
        web: { client_type: "pkce", client_id: pkce.client_id, coze_api_base: emulator.url },
        bot: {
          client_type: "jwt",
          client_id: jwt.client_id,
          public_key_id: jwt.public_key_id,
          private_key_file: "bot.pem",
          coze_api_base: emulator.url
        },
        pat: { client_type: "token", token_env: "MY_COZE_PAT", coze_api_base: emulator.url }
      })
    )
    // The default profile from the environment, the way an MCP client's config passes it.
    const env = {
      COZE_AUTH_HOME: home,
      COZE_API_BASE: emulator.url,
      COZE_DEVICE_OAUTH_CLIENT_ID: device.client_id,
      MY_COZE_PAT: pat.token
    }

    const first = await start(env)
    const before = await statusOf(first)
    assert.strictEqual(before.mode, "real")
    assert.deepStrictEqual([...before.byName.keys()], ["default", "web", "bot", "pat"])
    assert.deepStrictEqual(before.errors, [])

    // JWT: at once.
    const bot = structured(await first.call("login", { profile: "bot" }))
    assert.deepInclude(bot, { status: "authenticated", sandbox: false })

    // Device: approved through the emulator's control API.
    const pending = structured(await first.call("login"))
    assert.deepInclude(pending, { status: "pending", sandbox: false })
    await emulator.control("/device/approve", { user_code: pending.user_code })
    assert.strictEqual(structured(await first.call("login", { wait: true })).status, "authenticated")

    // PKCE: approved on the consent page in headless Chromium.
    const web = structured(await first.call("login", { profile: "web" }))
    assert.strictEqual(web.status, "pending")
    await approveInChromium(web.verification_url as string)
    assert.strictEqual(structured(await first.call("login", { profile: "web", wait: true })).status, "authenticated")

    const tokens = new Map<string, string>()
    for (const profile of ["default", "web", "bot"]) {
      const token = await tokenOf(first, profile)
      assert.strictEqual(await usersMe(emulator.url, token), 200, profile)
      tokens.set(profile, token)
    }

    // The API tools: the server calls Coze with each profile's credential, and only the answer comes back.
    const apiTexts: Array<string> = []
    const apiGet = async (server: ServerProcess, args: Record<string, unknown>) => {
      const result = await server.call("api_get", args)
      apiTexts.push(textOf(result))
      return structured(result)
    }
    for (const profile of ["default", "web", "bot", "pat"]) {
      const me = await apiGet(first, { profile, path: "/v1/users/me" })
      assert.strictEqual(me.status, 200, profile)
      assert.strictEqual((me.body as { data: { user_name: string } }).data.user_name, "emulator_user", profile)
    }
    const alice = await apiGet(first, { profile: "bot", path: "/v1/workspaces", session_name: "alice" })
    assert.strictEqual((alice.body as { data: { total_count: number } }).data.total_count, 3)

    // On disk: one 0600 file per profile in a 0700 directory, named in status.
    const tokensDir = path.join(home, "tokens")
    assert.strictEqual(statSync(tokensDir).mode & 0o777, 0o700)
    const after = await statusOf(first)
    for (const profile of ["default", "web", "bot"]) {
      const file = path.join(tokensDir, `${profile}.json`)
      assert.strictEqual(statSync(file).mode & 0o777, 0o600, profile)
      assert.deepInclude(after.byName.get(profile), { authenticated: true, valid: true })
      assert.deepStrictEqual(after.byName.get(profile)?.store, { kind: "file", location: file, encrypted: false })
    }

    // Killed and started again: still logged in, the same tokens from the files.
    process.kill(first.pid, "SIGKILL")
    const restarted = await start(env)
    for (const profile of ["default", "web", "bot"]) {
      assert.isTrue((await statusOf(restarted)).byName.get(profile)?.valid, profile)
      assert.strictEqual(await tokenOf(restarted, profile), tokens.get(profile), profile)
    }

    // A second process on the same home shares the login.
    const second = await start(env)
    assert.strictEqual(await tokenOf(second, "default"), tokens.get("default"))

    // Coze's clock moves past the token's life: the token is dead there. Both processes renew at once (as a
    // model does after a 401): one refresh at Coze, and both hand out the new token.
    await emulator.control("/clock", { advance_seconds: 1000 })
    assert.strictEqual(await usersMe(emulator.url, tokens.get("default")!), 401)
    const grantsBefore = await refreshGrants()
    const renewed = await Promise.all([restarted.call("refresh"), second.call("refresh")])
    assert.strictEqual(await refreshGrants(), grantsBefore + 1)
    assert.strictEqual(structured(renewed[0]).expires_at, structured(renewed[1]).expires_at)
    const [a, b] = [await tokenOf(restarted, "default"), await tokenOf(second, "default")]
    assert.strictEqual(a, b)
    assert.notStrictEqual(a, tokens.get("default"))
    assert.strictEqual(await usersMe(emulator.url, a), 200)
    // The web profile's token died too, unknown to the server (its clock did not move): Coze's 401 makes
    // api_get renew it once and retry, and the call succeeds. The PAT has no expiry and lives on.
    for (const profile of ["web", "pat"]) {
      assert.strictEqual((await apiGet(restarted, { profile, path: "/v1/users/me" })).status, 200, profile)
    }
    assert.strictEqual(await refreshGrants(), grantsBefore + 2)

    // refresh on its own: a new token, saved for the other process too.
    structured(await restarted.call("refresh", { profile: "web" }))
    assert.strictEqual(await refreshGrants(), grantsBefore + 3)
    const web2 = await tokenOf(restarted, "web")
    assert.strictEqual(await usersMe(emulator.url, web2), 200)

    // logout forgets the file, for every process.
    const logout = structured(await second.call("logout"))
    assert.strictEqual(logout.removed, true)
    assert.isFalse(existsSync(path.join(tokensDir, "default.json")))
    assert.isFalse((await statusOf(restarted)).byName.get("default")?.authenticated)

    for (const server of [restarted, second]) {
      assert.notInclude(server.stderr.text(), "SANDBOX")
      assert.notInclude(server.stderr.text(), "unexpectedly")
      for (const token of [...tokens.values(), a, web2, pat.token]) assert.notInclude(server.stderr.text(), token)
    }
    for (const text of apiTexts) {
      for (const token of [...tokens.values(), a, pat.token]) assert.notInclude(text, token)
    }
  }, 120_000)

  it("comes up with a broken configuration and answers every tool with it, naming profile and setting", async () => {
    const device = await emulator.control<{ client_id: string }>("/apps", { type: "device" })
    const home = tempHome()
    writeFileSync(
      path.join(home, "profiles.json"),
      JSON.stringify({
        bot: { client_type: "jwt", client_id: "x", public_key_id: "k", private_key: "not a key" },
        ok: { client_type: "device", client_id: device.client_id, coze_api_base: emulator.url },
        stranger: { client_type: "device", client_id: "1234567890123.app.coze", coze_api_base: emulator.url }
      })
    )
    const server = await start({ COZE_AUTH_HOME: home, COZE_API_BASE: "https://www.coze.cn", COZE_API_TOKEN: "pat_x" })
    const [line] = await server.stderr.find(/^coze-auth: profile "default": .*COZE_API_BASE.*$/m)
    assert.include(line, "use https://api.coze.cn")
    await server.stderr.find(/^coze-auth: profile "bot": profiles\.json: bot\.private_key is not a PEM private key/m)
    const status = await statusOf(server)
    assert.deepStrictEqual([...status.byName.keys()], ["ok", "stranger"])
    assert.deepStrictEqual(
      status.errors.map((e) => e.profile),
      ["default", "bot"]
    )
    const token = await server.call("token")
    assert.isTrue(token.isError)
    assert.match(textOf(token), /^profile "default": invalid configuration: COZE_API_BASE names the web/)
    assert.notInclude(textOf(token) + server.stderr.text(), "not a key")
    assert.notInclude(server.stderr.text(), "pat_x")
    // The good profile still works.
    assert.strictEqual(structured(await server.call("login", { profile: "ok" })).status, "pending")
    // A region hint names the profile's own setting, not a variable the user never set.
    const stranger = await server.call("login", { profile: "stranger" })
    assert.isTrue(stranger.isError)
    assert.include(textOf(stranger), `issued by ${emulator.url} (profiles.json: stranger.coze_api_base)`)
  })

  it("takes its deadlines from the environment: a device login against a server that never answers ends at them", async () => {
    // Accepts every request and never answers.
    const silent = http.createServer(() => {})
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve))
    const apiBase = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`
    try {
      const env = {
        COZE_AUTH_HOME: tempHome(),
        COZE_API_BASE: apiBase,
        COZE_DEVICE_OAUTH_CLIENT_ID: "1234567890123.app.coze"
      }
      const server = await start({ ...env, COZE_AUTH_REQUEST_TIMEOUT: "0.5", COZE_AUTH_OPERATION_TIMEOUT: "1.5" })
      const login = await server.call("login")
      assert.isTrue(login.isError)
      // The defaults (30 s, 1 min) would say so; these are the environment's.
      assert.match(textOf(login), /within (500ms|1s 500ms)/)
      assert.include(textOf(login), "127.0.0.1")
      const broken = await start({ ...env, COZE_AUTH_TOKEN_TIMEOUT: "soon" })
      await broken.stderr.find(/^coze-auth: .*COZE_AUTH_TOKEN_TIMEOUT/m)
      const refused = await broken.call("status")
      assert.include(textOf(refused), "COZE_AUTH_TOKEN_TIMEOUT")
    } finally {
      silent.closeAllConnections()
      silent.close()
    }
  })
})
