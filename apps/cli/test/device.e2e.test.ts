import { statSync } from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { afterAll, beforeAll } from "vitest"
import { type Emulator, later, type Run, recorder, start, startEmulator, storedSecrets, tempHome } from "./utils/cli.js"

let emulator: Emulator
beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(() => emulator.stop())

const { cli, outputs, record } = recorder()

const deviceLogin = async (env: Record<string, string>, args: ReadonlyArray<string> = []): Promise<Run> => {
  const login = start(["login", ...args], env)
  const code = (await login.stdout.find(/confirm the code: (\S+)/))[1]!
  await emulator.control("/device/approve", { user_code: code })
  const result = await login.done
  record(result)
  return result
}

describe("coze-auth with a device app", () => {
  it("logs in, reports status, hands out tokens the API accepts, runs commands, refreshes and logs out", async () => {
    const home = tempHome()
    const app = await emulator.createApp({ type: "device" })
    const env = { COZE_AUTH_HOME: home, COZE_API_BASE: emulator.url, COZE_DEVICE_OAUTH_CLIENT_ID: app.client_id }

    // Before any login: status says so and exits 0; token and exec exit 3 and say what to do.
    const before = await cli(["status", "--json"], env)
    assert.strictEqual(before.code, 0)
    assert.deepInclude(JSON.parse(before.stdout)[0], { profile: "default", authenticated: false, flow: "device" })
    const notLoggedIn = await cli(["token"], env)
    assert.strictEqual(notLoggedIn.code, 3)
    assert.strictEqual(notLoggedIn.stdout, "")
    assert.include(notLoggedIn.stderr, "coze-auth login --profile default")
    assert.strictEqual((await cli(["exec", "--", "node", "-e", ""], env)).code, 3)

    const login = await deviceLogin(env)
    assert.strictEqual(login.code, 0, login.stderr)
    assert.match(login.stdout, /open this URL: http:\/\/127\.0\.0\.1:\d+\/\S*user_code=/)
    assert.include(login.stdout, 'Logged in to profile "default"')
    assert.include(login.stdout, "as Emulator User")
    assert.notInclude(login.stdout, "\x1b", "no escape codes when stdout is not a terminal")
    const file = path.join(home, "tokens", "default.json")
    assert.strictEqual(statSync(file).mode & 0o777, 0o600)

    const status = await cli(["status", "--json"], env)
    assert.strictEqual(status.code, 0)
    const [entry] = JSON.parse(status.stdout)
    assert.deepInclude(entry, {
      profile: "default",
      region: "custom",
      api_base: emulator.url,
      flow: "device",
      authenticated: true,
      refreshable: true,
      store: { kind: "file", location: file, encrypted: false }
    })
    assert.isTrue(Date.parse(entry.expires_at) > Date.now())
    const human = await cli(["status"], env)
    assert.match(human.stdout, /logged in\s+yes, as Emulator User/)
    assert.match(human.stdout, /valid until\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in 1[45] minutes\)/)

    const token = await cli(["token"], env)
    assert.strictEqual(token.code, 0)
    const first = token.stdout.trimEnd()
    assert.strictEqual(token.stdout, `${first}\n`, "the token alone and a newline")
    assert.strictEqual(await emulator.usersMe(first), 200)
    const json = JSON.parse((await cli(["token", "--json"], env)).stdout)
    assert.deepStrictEqual(json, {
      access_token: first,
      token_type: "Bearer",
      expires_at: entry.expires_at,
      api_base: emulator.url
    })

    // exec: the child sees a valid token and the API base, and its status is the CLI's.
    const probe = `fetch(process.env.COZE_API_BASE + "/v1/users/me", { headers: { authorization: "Bearer " + process.env.COZE_API_TOKEN } }).then((r) => { console.log("child saw", r.status); process.exit(r.status === 200 ? 7 : 1) })`
    const exec = await cli(["exec", "--", "node", "-e", probe], env)
    assert.strictEqual(exec.stdout, "child saw 200\n")
    assert.strictEqual(exec.code, 7)
    assert.strictEqual((await cli(["exec", "--", "node", "-e", "process.exit(0)"], env)).code, 0)
    // stdin reaches the command; a signal sent to coze-auth reaches it too, and its status is coze-auth's.
    const echo = await cli(["exec", "--", "node", "-e", "process.stdin.pipe(process.stdout)"], env, { input: "hello" })
    assert.strictEqual(echo.stdout, "hello")
    const waiting = start(
      [
        "exec",
        "--",
        "node",
        "-e",
        'process.on("SIGTERM", () => { console.log("got SIGTERM"); process.exit(42) }); console.log("ready"); setInterval(() => {}, 1000)'
      ],
      env
    )
    await waiting.stdout.find(/ready/)
    waiting.child.kill("SIGTERM")
    const signalled = await waiting.done
    record(signalled)
    assert.strictEqual(signalled.code, 42)
    assert.include(signalled.stdout, "got SIGTERM")
    const missing = await cli(["exec", "--", "no-such-command-coze-auth"], env)
    assert.strictEqual(missing.code, 1)
    assert.include(missing.stderr, "no such command")

    // The emulator's clock and the CLI's move past the token's life: `token` refreshes, once.
    await emulator.control("/clock", { advance_seconds: 1000 })
    assert.strictEqual(await emulator.usersMe(first), 401)
    const expired = JSON.parse((await cli(["status", "--json"], env, { prefix: later(1000) })).stdout)[0]
    assert.deepInclude(expired, { authenticated: true, valid: false, expired: true, refreshable: true })
    const second = (await cli(["token"], env, { prefix: later(1000) })).stdout.trimEnd()
    assert.notStrictEqual(second, first)
    assert.strictEqual(await emulator.usersMe(second), 200)
    const third = (await cli(["token"], env, { prefix: later(1000) })).stdout.trimEnd()
    assert.strictEqual(third, second, "a fresh token is reused, not renewed again")

    const refresh = await cli(["refresh"], env, { prefix: later(1000) })
    assert.strictEqual(refresh.code, 0, refresh.stderr)
    assert.include(refresh.stdout, 'Refreshed profile "default"')
    const fourth = (await cli(["token"], env, { prefix: later(1000) })).stdout.trimEnd()
    assert.notStrictEqual(fourth, second)
    assert.strictEqual(await emulator.usersMe(fourth), 200)

    const secrets = [first, second, fourth, ...storedSecrets(home)]
    const logout = await cli(["logout"], env)
    assert.strictEqual(logout.code, 0)
    assert.include(logout.stdout, 'Logged out of profile "default"')
    assert.deepStrictEqual(storedSecrets(home), [])
    assert.strictEqual((await cli(["token"], env)).code, 3)
    assert.strictEqual((await cli(["refresh"], env)).code, 3)

    for (const secret of secrets) for (const output of outputs) assert.notInclude(output, secret)
  })
})
