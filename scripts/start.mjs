#!/usr/bin/env node
// `npm start`: installs and builds the MCP server only when something changed since the last time, runs it over
// Streamable HTTP on 127.0.0.1 (in sandbox mode unless Coze credentials are set), and prints the URL, the key
// and ready-to-paste client configuration.
import { spawn } from "node:child_process"
import { existsSync, readdirSync, statSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { pnpm } from "./pnpm.mjs"

const root = fileURLToPath(new URL("..", import.meta.url))
const mainJs = path.join(root, "apps", "mcp-server", "dist", "main.js")
const fail = (what) => {
  console.error(`coze-auth: ${what} failed`)
  process.exit(1)
}

const mtime = (file) => (existsSync(file) ? statSync(file).mtimeMs : 0)

/** The newest modification time under `dir` (skipping what builds and installs write). */
const newest = (dir) => {
  if (!existsSync(dir)) return 0
  if (!statSync(dir).isDirectory()) return mtime(dir)
  let latest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (["node_modules", "dist", "build", ".tsbuildinfo", ".turbo", "test-results"].includes(entry.name)) continue
    latest = Math.max(latest, newest(path.join(dir, entry.name)))
  }
  return latest
}

const workspaces = ["packages", "apps"].flatMap((dir) =>
  readdirSync(path.join(root, dir)).map((name) => path.join(root, dir, name))
)
const manifests = [path.join(root, "package.json"), ...workspaces.map((ws) => path.join(ws, "package.json"))]
const lockfile = path.join(root, "pnpm-lock.yaml")
// pnpm rewrites this on every install: newer than the lockfile and every package.json means installed.
const installedAt = mtime(path.join(root, "node_modules", ".modules.yaml"))
if (installedAt < Math.max(mtime(lockfile), ...manifests.map(mtime))) {
  if (pnpm(["install"]) !== 0) fail("install")
}

// The bundle is up to date when it is newer than every source it is built from.
const inputs = [
  ...workspaces.flatMap((ws) => ["src", "package.json", "tsup.config.ts"].map((f) => path.join(ws, f))),
  lockfile,
  path.join(root, "scripts", "esm-bundle.mjs")
]
if (mtime(mainJs) <= Math.max(...inputs.map(newest))) {
  console.error("coze-auth: building the MCP server…")
  if (pnpm(["--filter", "@coze-auth/mcp-server", "run", "build"], { stdio: ["ignore", "ignore", "inherit"] }) !== 0)
    fail("build")
}

// An empty COZE_AUTH_MCP_KEY is no key: the server then generates one and prints it, and so do we.
const configuredKey = process.env.COZE_AUTH_MCP_KEY || undefined
const port = process.env.PORT ?? "3917"
const env = { ...process.env }
if (configuredKey === undefined) delete env.COZE_AUTH_MCP_KEY
const child = spawn(process.execPath, [mainJs, "--transport", "http", "--port", port], {
  env,
  stdio: ["ignore", "inherit", "pipe"]
})
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal))
child.on("exit", (code) => process.exit(code ?? 0))

let seen = ""
child.stderr.on("data", (chunk) => {
  process.stderr.write(chunk)
  if (seen === null) return
  seen += chunk
  const url = /listening on (http:\/\/\S+)/.exec(seen)?.[1]
  const key = configuredKey ?? /Authorization: Bearer (\S+) {2}\(generated/.exec(seen)?.[1]
  if (url === undefined || key === undefined) return
  seen = null
  printConfiguration(url, key)
})

const json = (value) => JSON.stringify(value, null, 2)

function printConfiguration(url, key) {
  const stdio = { command: "node", args: [mainJs] }
  const header = `Authorization: Bearer ${key}`
  console.log(`
coze-auth MCP server is running.

  URL     ${url}
  Header  ${header}

Claude Desktop (claude_desktop_config.json) and Cursor (~/.cursor/mcp.json), over stdio:
${json({ mcpServers: { "coze-auth": stdio } })}

Cursor over HTTP, to this running server:
${json({ mcpServers: { "coze-auth": { url, headers: { Authorization: `Bearer ${key}` } } } })}

VS Code (.vscode/mcp.json), over stdio:
${json({ servers: { "coze-auth": { type: "stdio", ...stdio } } })}

Claude Code:
  claude mcp add coze-auth -- node ${mainJs}
  claude mcp add --transport http coze-auth ${url} --header "${header}"

MCP Inspector:
  npx @modelcontextprotocol/inspector node ${mainJs} --sandbox
  or open the Inspector, pick "Streamable HTTP", URL ${url}, and add the header ${header}

Stdio clients start their own server process; set the Coze env vars in their config (see docs/mcp.md),
or leave them out for the sandbox. Press Ctrl+C to stop this one.
`)
}
