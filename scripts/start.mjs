#!/usr/bin/env node
// `npm start`: installs if needed, builds the MCP server, runs it over Streamable HTTP on 127.0.0.1 (in sandbox
// mode unless Coze credentials are set), and prints the URL, the key and ready-to-paste client configuration.
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { existsSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { pnpm } from "./pnpm.mjs"

const root = fileURLToPath(new URL("..", import.meta.url))
const mainJs = path.join(root, "apps", "mcp-server", "dist", "main.js")
const fail = (what) => {
  console.error(`coze-auth: ${what} failed`)
  process.exit(1)
}

if (!existsSync(path.join(root, "node_modules")) && pnpm(["install"]) !== 0) fail("install")
if (pnpm(["--filter", "@coze-auth/mcp-server", "run", "build"], { stdio: ["ignore", "ignore", "inherit"] }) !== 0)
  fail("build")

const key = process.env.COZE_AUTH_MCP_KEY ?? randomBytes(32).toString("base64url")
const port = process.env.PORT ?? "3917"
const child = spawn(process.execPath, [mainJs, "--transport", "http", "--port", port], {
  env: { ...process.env, COZE_AUTH_MCP_KEY: key },
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
  if (url === undefined) return
  seen = null
  printConfiguration(url)
})

const json = (value) => JSON.stringify(value, null, 2)

function printConfiguration(url) {
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
