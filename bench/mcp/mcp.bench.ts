// The MCP server against a minimal SDK server with one echo tool, both measured here and now (medians of
// alternating runs): cold start to the first tools/list answer, a cached `token` call against an echo call
// over stdio, and resident memory after 1,000 calls. Needs the built server (`pnpm build`).

import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"

const mainJs = fileURLToPath(new URL("../../apps/mcp-server/dist/main.js", import.meta.url))
const echoJs = fileURLToPath(new URL("./echo-server.mjs", import.meta.url))

interface Subject {
  readonly name: string
  readonly args: ReadonlyArray<string>
  readonly env: Record<string, string>
  readonly tool: { readonly name: string; readonly arguments: Record<string, unknown> }
}

// A static-token profile: the production path without network; the token is cached after the first call.
const cozeAuth: Subject = {
  name: "coze-auth",
  args: [mainJs],
  env: { COZE_API_TOKEN: "pat_bench", COZE_AUTH_HOME: mkdtempSync(path.join(os.tmpdir(), "coze-auth-bench-")) },
  tool: { name: "token", arguments: {} }
}
const echo: Subject = { name: "echo", args: [echoJs], env: {}, tool: { name: "echo", arguments: { text: "hi" } } }

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

const rssKb = (pid: number): number => {
  const status = `/proc/${pid}/status`
  if (existsSync(status)) return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(status, "utf8"))?.[1] ?? 0)
  return Number(execFileSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" }).trim())
}

const connect = async (subject: Subject) => {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...subject.args],
    env: subject.env,
    stderr: "ignore"
  })
  const client = new Client({ name: "bench", version: "1.0.0" })
  const started = performance.now()
  await client.connect(transport)
  await client.listTools()
  return { client, transport, coldMs: performance.now() - started }
}

const coldStart = async (subject: Subject) => {
  const { client, coldMs } = await connect(subject)
  await client.close()
  return coldMs
}

/** p50 of `calls` round trips after `warmup` calls, and the server's RSS at the end. */
const roundTrips = async (subject: Subject, warmup: number, calls: number) => {
  const { client, transport } = await connect(subject)
  for (let i = 0; i < warmup; i++) await client.callTool(subject.tool)
  const times: Array<number> = []
  for (let i = 0; i < calls; i++) {
    const started = performance.now()
    await client.callTool(subject.tool)
    times.push(performance.now() - started)
  }
  const rss = rssKb(transport.pid!)
  await client.close()
  return { ms: median(times), rssKb: rss }
}

if (!existsSync(mainJs)) {
  console.log("skipped: build the MCP server first (pnpm build)")
} else {
  const cold = { coze: [] as Array<number>, echo: [] as Array<number> }
  for (let i = 0; i < 10; i++) {
    cold.echo.push(await coldStart(echo))
    cold.coze.push(await coldStart(cozeAuth))
  }
  // Early: the first 1,000 calls of a fresh server (V8 has not optimised the Effect runtime yet). Steady: a
  // long-running server, after 2,000 calls; that is what an MCP client talks to all day.
  const early = { coze: [] as Array<number>, echo: [] as Array<number> }
  const steady = { coze: [] as Array<number>, echo: [] as Array<number> }
  const rss = { coze: [] as Array<number>, echo: [] as Array<number> }
  for (let i = 0; i < 3; i++) {
    const e = await roundTrips(echo, 50, 1_000)
    const c = await roundTrips(cozeAuth, 50, 1_000)
    early.echo.push(e.ms)
    early.coze.push(c.ms)
    rss.echo.push(e.rssKb)
    rss.coze.push(c.rssKb)
    steady.echo.push((await roundTrips(echo, 2_000, 1_000)).ms)
    steady.coze.push((await roundTrips(cozeAuth, 2_000, 1_000)).ms)
  }
  const row = (what: string, coze: number, base: number, unit: string, target: number) => {
    const ratio = coze / base
    console.log(
      `${what.padEnd(44)} ${coze.toFixed(2).padStart(8)} ${unit} vs ${base.toFixed(2).padStart(8)} ${unit}  ${ratio.toFixed(2)}x  (target <= ${target}x${ratio <= target ? "" : ", MISSED"})`
    )
  }
  row("cold start to first tools/list", median(cold.coze), median(cold.echo), "ms", 1.3)
  row("cached token vs echo, stdio p50, steady", median(steady.coze), median(steady.echo), "ms", 1.2)
  row("cached token vs echo, stdio p50, first 1,000", median(early.coze), median(early.echo), "ms", 1.2)
  row("RSS after 1,000 calls", median(rss.coze) / 1024, median(rss.echo) / 1024, "MB", 1.5)
}
