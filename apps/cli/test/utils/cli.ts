/**
 * The built CLI (`dist/main.js`) run as a user runs it, against an emulator started as a separate process
 * (`@coze-auth/emulator/EmulatorProcess`: its built `bin`), with a file store in a temporary `COZE_AUTH_HOME`.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as EmulatorProcess from "@coze-auth/emulator/EmulatorProcess"

export const mainJs = fileURLToPath(new URL("../../dist/main.js", import.meta.url))
export const mcpJs = fileURLToPath(new URL("../../../mcp-server/dist/main.js", import.meta.url))

export const tempHome = () => mkdtempSync(path.join(os.tmpdir(), "coze-auth-cli-"))

/** Collects a stream's text and resolves the first match of `pattern` in it. */
export const watch = (stream: NodeJS.ReadableStream) => {
  let text = ""
  const waiters: Array<() => void> = []
  stream.on("data", (chunk) => {
    text += String(chunk)
    for (const wake of waiters.splice(0)) wake()
  })
  const find = (pattern: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${pattern} in:\n${text}`)), timeoutMs)
      const look = () => {
        const match = pattern.exec(text)
        if (match !== null) {
          clearTimeout(timer)
          resolve(match)
        } else waiters.push(look)
      }
      look()
    })
  return { text: () => text, find }
}

export interface Emulator {
  readonly url: string
  readonly control: (route: string, body?: object) => Promise<Record<string, unknown>>
  readonly createApp: (body: object) => Promise<{ client_id: string; public_key_id?: string }>
  readonly usersMe: (token: string) => Promise<number>
  readonly stop: () => Promise<void>
}

export const startEmulator = async (...flags: ReadonlyArray<string>): Promise<Emulator> => {
  const { stop, url } = await EmulatorProcess.start(["--interval", "1", ...flags])
  const control = (route: string, body?: object) =>
    fetch(`${url}/__emulator${route}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    }).then((response) => response.json() as Promise<Record<string, unknown>>)
  return {
    url,
    control,
    createApp: (body) => control("/apps", body) as Promise<{ client_id: string; public_key_id?: string }>,
    usersMe: (token) =>
      fetch(`${url}/v1/users/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status),
    stop
  }
}

export interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** The environment a test user has: only what is given, no display, so no browser ever opens by itself. */
export const baseEnv = (env: Record<string, string>): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  ...env
})

export interface Started {
  readonly child: ChildProcess
  readonly stdout: ReturnType<typeof watch>
  readonly stderr: ReturnType<typeof watch>
  readonly done: Promise<Run>
}

/** Starts `coze-auth ARGS…`; `prefix` runs it under another program (faketime). */
export const start = (
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  options: { readonly input?: string; readonly prefix?: ReadonlyArray<string> } = {}
): Started => {
  const [program, ...rest] = [...(options.prefix ?? []), process.execPath, mainJs, ...args]
  const child = spawn(program!, rest, { env: baseEnv(env), stdio: ["pipe", "pipe", "pipe"] })
  const stdout = watch(child.stdout!)
  const stderr = watch(child.stderr!)
  if (options.input !== undefined) child.stdin!.end(options.input)
  const done = new Promise<Run>((resolve) =>
    child.once("exit", (code) =>
      // The streams may still hold data after exit: wait for them to close.
      setImmediate(() => resolve({ code, stdout: stdout.text(), stderr: stderr.text() }))
    )
  )
  return { child, stdout, stderr, done }
}

export const run = (
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  options: { readonly input?: string; readonly prefix?: ReadonlyArray<string> } = {}
) => {
  const started = start(args, env, { input: "", ...options })
  return started.done
}

/** Under libfaketime the CLI's clock runs `seconds` ahead, as the emulator's does after `/clock`. */
export const later = (seconds: number) => ["faketime", "-f", `+${seconds}s`]

/** Every access and refresh token in the home's token files: what no output but `token`'s may contain. */
export const storedSecrets = (home: string): ReadonlyArray<string> => {
  const dir = path.join(home, "tokens")
  let files: Array<string> = []
  try {
    files = readdirSync(dir).filter((name) => name.endsWith(".json"))
  } catch {
    return []
  }
  return files.flatMap((name) => {
    const { token } = JSON.parse(readFileSync(path.join(dir, name), "utf8")) as {
      token: { accessToken: string; refreshToken: string | null }
    }
    return [token.accessToken, ...(token.refreshToken === null ? [] : [token.refreshToken])]
  })
}

/**
 * Runs the CLI and keeps everything it printed except `token`'s stdout: no secret may appear in `outputs`.
 */
export const recorder = () => {
  const outputs: Array<string> = []
  const cli = async (
    args: ReadonlyArray<string>,
    env: Record<string, string>,
    options: { readonly input?: string; readonly prefix?: ReadonlyArray<string> } = {}
  ) => {
    const result = await run(args, env, options)
    outputs.push(result.stderr)
    if (args[0] !== "token") outputs.push(result.stdout)
    return result
  }
  return { outputs, cli, record: (result: Run) => outputs.push(result.stdout, result.stderr) }
}
