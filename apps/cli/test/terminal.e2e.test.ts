import { spawnSync } from "node:child_process"
import { existsSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { afterAll, beforeAll } from "vitest"
import { type Emulator, mainJs, run, startEmulator, tempHome } from "./utils/cli.js"

let emulator: Emulator
beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(() => emulator.stop())

/** A real terminal: a detached tmux session on its own server, driven with send-keys, read with capture-pane. */
const terminal = (home: string, env: Record<string, string>, args: ReadonlyArray<string>) => {
  const socket = `coze-auth-cli-${process.pid}-${path.basename(home)}`
  const tmux = (...argv: ReadonlyArray<string>) => spawnSync("tmux", ["-L", socket, ...argv], { encoding: "utf8" })
  const script = path.join(home, "run.sh")
  const exports = Object.entries(env).map(([k, v]) => `export ${k}='${v}'`)
  // The shell survives Ctrl+C (a trap, unlike an ignored signal, is not inherited) to report the CLI's status.
  writeFileSync(
    script,
    [
      "trap : INT",
      ...exports,
      `'${process.execPath}' '${mainJs}' ${args.join(" ")}`,
      'echo "EXIT=$?"',
      "sleep 60"
    ].join("\n")
  )
  const started = tmux("new-session", "-d", "-x", "160", "-y", "20", "-s", "cli", `sh ${script}`)
  assert.strictEqual(started.status, 0, started.stderr)
  const screen = (escapes = false) => tmux("capture-pane", "-p", ...(escapes ? ["-e"] : []), "-t", "cli").stdout
  /** Waits (up to 15 s) until the screen matches. */
  const until = async (pattern: RegExp, escapes = false): Promise<RegExpExecArray> => {
    const deadline = Date.now() + 15_000
    for (;;) {
      const match = pattern.exec(screen(escapes))
      if (match !== null) return match
      if (Date.now() > deadline) throw new Error(`no ${pattern} on the screen:\n${screen()}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  return {
    until,
    screen,
    keys: (...keys: ReadonlyArray<string>) => tmux("send-keys", "-t", "cli", ...keys),
    close: () => tmux("kill-server")
  }
}

/** `coze-auth login` of a fresh device profile in a terminal, until its code is on the screen. */
const loginInTerminal = async (
  test: (tty: ReturnType<typeof terminal>, code: string, tokenFile: string) => Promise<void>
) => {
  const home = tempHome()
  const app = await emulator.createApp({ type: "device" })
  const env = { COZE_AUTH_HOME: home, COZE_API_BASE: emulator.url, COZE_DEVICE_OAUTH_CLIENT_ID: app.client_id }
  const tty = terminal(home, env, ["login"])
  try {
    const code = (await tty.until(/one-time code: (\S+)/))[1]!
    await test(tty, code, path.join(home, "tokens", "default.json"))
  } finally {
    tty.close()
  }
}

describe("coze-auth login in a terminal", () => {
  it("shows the code prominently with a live countdown; Ctrl+C cancels and stores nothing", () =>
    loginInTerminal(async (tty, code, tokenFile) => {
      // Bold on a terminal: the code stands out.
      await tty.until(new RegExp(`\\x1b\\[1m${code}`), true)
      const first = (await tty.until(/expires in (\d+:\d\d)/))[1]!
      const next = await tty.until(new RegExp(`expires in (?!${first})(\\d+:\\d\\d)`))
      assert.isTrue(next[1]! < first, `the countdown goes down: ${first} then ${next[1]}`)
      // One line, rewritten in place: the countdown does not scroll.
      assert.strictEqual(tty.screen().match(/expires in/g)?.length, 1)
      tty.keys("C-c")
      await tty.until(/EXIT=130/)
      assert.include(tty.screen(), "login cancelled; nothing was stored")
      assert.isFalse(existsSync(tokenFile))
      // The code is dead to the CLI: approving it now stores nothing either.
      await emulator.control("/device/approve", { user_code: code })
      assert.isFalse(existsSync(tokenFile))
    }))

  it("clears the countdown and reports the login once it is approved", () =>
    loginInTerminal(async (tty, code, tokenFile) => {
      await tty.until(/expires in/)
      await emulator.control("/device/approve", { user_code: code })
      await tty.until(/EXIT=0/)
      assert.include(tty.screen(), 'Logged in to profile "default"')
      assert.notInclude(tty.screen(), "expires in")
      assert.isTrue(existsSync(tokenFile))
    }))

  it("has --help with an example on every command, --version and shell completions", async () => {
    const env = { COZE_AUTH_HOME: tempHome() }
    const commands = ["login", "status", "token", "exec", "refresh", "logout", "profiles", "profiles list"]
    for (const command of [...commands, "profiles add", "profiles remove", "profiles default"]) {
      const help = await run([...command.split(" "), "--help"], env)
      assert.strictEqual(help.code, 0, command)
      assert.match(help.stdout, /Examples?:\n\n {2}\$ .*coze-auth /, command)
    }
    const version = await run(["--version"], env)
    assert.strictEqual(version.stdout.trim(), "0.1.0")
    const completions = await run(["--completions", "bash"], env)
    assert.include(completions.stdout, "complete -F")
  })

  it("writes no escape codes when stdout is not a terminal", async () => {
    const env = { COZE_AUTH_HOME: tempHome() }
    for (const args of [
      ["--help"],
      ["login", "--help"],
      ["status"],
      ["no-such-command"],
      ["token", "--min-valid", "x"]
    ]) {
      const result = await run(args, env)
      assert.notInclude(result.stdout + result.stderr, "\x1b", args.join(" "))
    }
  })
})
