/** The built server (`dist/main.js`) as a child process, and what it writes to stderr. */

import { mkdtempSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"

export const mainJs = fileURLToPath(new URL("../../dist/main.js", import.meta.url))

export const tempHome = () => mkdtempSync(path.join(os.tmpdir(), "coze-auth-mcp-"))

/** Collects a stream's text and resolves the first match of `pattern` in it. */
export const watch = (stream: { on(event: "data", listener: (chunk: Buffer | string) => void): unknown }) => {
  let text = ""
  const waiters: Array<() => void> = []
  stream.on("data", (chunk) => {
    text += String(chunk)
    for (const wake of waiters.splice(0)) wake()
  })
  const find = (pattern: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${pattern} in stderr:\n${text}`)), timeoutMs)
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

export const control = (url: string, route: string, body: object) =>
  fetch(`${url}/__emulator${route}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body)
  }).then((r) => r.json())

/** The built server over stdio, with a fresh COZE_AUTH_HOME, connected to an SDK client. */
export const connectStdio = async (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [mainJs, ...args],
    env: { COZE_AUTH_HOME: tempHome(), ...env },
    stderr: "pipe"
  })
  const stderr = watch(transport.stderr!)
  const client = new Client({ name: "e2e", version: "1.0.0" })
  await client.connect(transport)
  return { client, stderr }
}
