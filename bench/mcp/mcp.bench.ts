// The MCP server against a minimal SDK server with one echo tool (bench/mcp/echo-server.mjs), over stdio, both
// measured here and now. Needs the built server (`npm run build`).
//
// - Cold start to the first tools/list answer: spawns alternating A B A B.
// - Round trips: `pairs` pairs of server processes (one of each kind, alive together); each pair is warmed up
//   and measured with the calls interleaved A B A B, so a busy moment of the machine hits both alike. Two
//   phases per pair: the first 1,000 calls of a fresh server (after 50 warm-up calls each) and the steady state
//   (after 2,000 more each). Every answer is checked: an `isError` result, or one without the expected
//   structured content, stops the benchmark instead of being timed as a success.
// - Server CPU per call: the child's CPU time (every thread, /proc/<pid>/task/*/schedstat, ns) over the
//   measured calls, beside the wall time the client sees.
// - The echo floor is bimodal per process on this machine (some processes answer in ~0.06 ms, others in
//   ~0.12 ms), so figures are per pair, and the spread across pairs is printed.
// - Is the echo server a fair floor? A third server in every group (mcp/shaped-server.mjs: the same SDK, the
//   token tool's input and output schemas and an answer of the same shape) shows what the larger answer and
//   its validation cost by themselves; it is printed beside the targets, which stay against the echo server.

import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { median, quantile, quick } from "../shared/measure.js"

const mainJs = fileURLToPath(new URL("../../apps/mcp-server/dist/main.js", import.meta.url))
const echoJs = fileURLToPath(new URL("./echo-server.mjs", import.meta.url))
const shapedJs = fileURLToPath(new URL("./shaped-server.mjs", import.meta.url))

const pairs = Number(process.env.MCP_BENCH_PAIRS ?? (quick ? 2 : 8))
const coldStarts = quick ? 4 : 10
const calls = quick ? 300 : 1_000
const steadyWarmup = quick ? 500 : 2_000

interface Subject {
  readonly name: string
  readonly args: ReadonlyArray<string>
  readonly env: Record<string, string>
  readonly tool: { readonly name: string; readonly arguments: Record<string, unknown> }
  /** Whether a tool result is the success being measured. */
  readonly ok: (structured: Record<string, unknown> | undefined) => boolean
}

// A static-token profile: the production path without network; the token is cached after the first call.
const cozeAuth: Subject = {
  name: "coze-auth",
  args: [mainJs],
  env: { COZE_API_TOKEN: "pat_bench", COZE_AUTH_HOME: mkdtempSync(path.join(os.tmpdir(), "coze-auth-bench-")) },
  tool: { name: "token", arguments: {} },
  ok: (structured) => structured?.access_token === "pat_bench" && structured.token_type === "Bearer"
}
const echo: Subject = {
  name: "echo",
  args: [echoJs],
  env: {},
  tool: { name: "echo", arguments: { text: "hi" } },
  ok: (structured) => structured?.text === "hi"
}
const shaped: Subject = {
  name: "shaped echo",
  args: [shapedJs],
  env: {},
  tool: { name: "token", arguments: {} },
  ok: (structured) => structured?.access_token === "pat_bench" && structured.token_type === "Bearer"
}

const rssKb = (pid: number): number => {
  const status = `/proc/${pid}/status`
  if (existsSync(status)) return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(status, "utf8"))?.[1] ?? 0)
  return Number(execFileSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" }).trim())
}

/** CPU time of a process, every thread, in microseconds (schedstat: ns; else /proc/<pid>/stat: 10 ms ticks). */
const cpuMicros = (pid: number): number => {
  const tasks = readdirSync(`/proc/${pid}/task`)
  const ns = tasks.reduce(
    (sum, task) => sum + Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]),
    0
  )
  if (ns > 0) return ns / 1000
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
  return (Number(fields[11]) + Number(fields[12])) * 10_000
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
  const coldMs = performance.now() - started
  const call = async () => {
    const result = await client.callTool(subject.tool)
    if (result.isError === true || !subject.ok(result.structuredContent as Record<string, unknown> | undefined)) {
      throw new Error(`${subject.name}: ${subject.tool.name} failed: ${JSON.stringify(result.content).slice(0, 300)}`)
    }
  }
  return { client, call, coldMs, pid: transport.pid! }
}

type Server = Awaited<ReturnType<typeof connect>>

interface Phase {
  /** p50 wall time of one call, ms. */
  readonly ms: number
  /** Server CPU per call, µs. */
  readonly cpuUs: number
}

/** `n` calls on each server, interleaved A B A B: per server, the p50 round trip and its CPU per call. */
const interleaved = async (servers: ReadonlyArray<Server>, n: number): Promise<Array<Phase>> => {
  const times = servers.map(() => [] as Array<number>)
  const cpuBefore = servers.map((server) => cpuMicros(server.pid))
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < servers.length; s++) {
      const started = performance.now()
      await servers[s]!.call()
      times[s]!.push(performance.now() - started)
    }
  }
  return servers.map((server, s) => ({
    ms: median(times[s]!),
    cpuUs: (cpuMicros(server.pid) - cpuBefore[s]!) / n
  }))
}

const warm = async (servers: ReadonlyArray<Server>, n: number) => {
  for (let i = 0; i < n; i++) for (const server of servers) await server.call()
}

if (!existsSync(mainJs)) {
  console.log("skipped: build the MCP server first (npm run build)")
} else {
  const cold = { coze: [] as Array<number>, echo: [] as Array<number> }
  for (let i = 0; i < coldStarts; i++) {
    for (const [subject, into] of [
      [echo, cold.echo],
      [cozeAuth, cold.coze]
    ] as const) {
      const server = await connect(subject)
      into.push(server.coldMs)
      await server.client.close()
    }
  }

  interface PairResult {
    readonly early: ReadonlyArray<Phase>
    readonly steady: ReadonlyArray<Phase>
    readonly rssKb: ReadonlyArray<number>
  }
  const kinds = [cozeAuth, echo, shaped]
  const results: Array<PairResult> = []
  for (let pair = 0; pair < pairs; pair++) {
    // Which kind starts first rotates too; `servers` stays in the order of `kinds`.
    const servers: Array<Server> = []
    for (let i = 0; i < kinds.length; i++) {
      const kind = (pair + i) % kinds.length
      servers[kind] = await connect(kinds[kind]!)
    }
    await warm(servers, 50)
    const early = await interleaved(servers, calls)
    const rss = servers.map((server) => rssKb(server.pid))
    await warm(servers, steadyWarmup)
    const steady = await interleaved(servers, calls)
    results.push({ early, steady, rssKb: rss })
    for (const server of servers) await server.client.close()
  }

  const range = (values: ReadonlyArray<number>, digits: number) =>
    values.length === 1
      ? values[0]!.toFixed(digits)
      : `${median(values).toFixed(digits)} [${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}]`
  const row = (
    what: string,
    coze: ReadonlyArray<number>,
    base: ReadonlyArray<number>,
    unit: string,
    target?: number
  ) => {
    const ratios = coze.map((value, i) => value / base[i]!)
    const ratio = median(ratios)
    console.log(
      `  ${what.padEnd(40)} ${range(coze, 3).padStart(22)} ${unit} vs ${range(base, 3).padStart(22)} ${unit}  ${range(ratios, 2)}×${target === undefined ? "" : `  (target ≤ ${target}× ${ratio <= target ? "met" : "MISSED"})`}`
    )
  }
  const of = (phase: "early" | "steady", side: 0 | 1 | 2, key: keyof Phase) => results.map((r) => r[phase][side]![key])
  console.log(
    `${pairs} groups of server processes (coze-auth, echo, shaped echo), ${calls} calls each per phase, interleaved; median [min–max] across pairs; ratios paired per pair`
  )
  const coldRatios = cold.coze.map((value, i) => value / cold.echo[i]!)
  console.log(
    `  cold start to first tools/list (${coldStarts}×)     ${range(cold.coze, 0)} ms vs ${range(cold.echo, 0)} ms  ${range(coldRatios, 2)}×  (target ≤ 1.3× ${median(coldRatios) <= 1.3 ? "met" : "MISSED"})`
  )
  row("round trip p50, steady", of("steady", 0, "ms"), of("steady", 1, "ms"), "ms", 1.2)
  row("server CPU per call, steady", of("steady", 0, "cpuUs"), of("steady", 1, "cpuUs"), "µs", 1.2)
  row(`round trip p50, first ${calls} calls`, of("early", 0, "ms"), of("early", 1, "ms"), "ms", 1.2)
  row(`server CPU per call, first ${calls}`, of("early", 0, "cpuUs"), of("early", 1, "cpuUs"), "µs", 1.2)
  row(
    `RSS after ${calls + 50} calls`,
    results.map((r) => r.rssKb[0]! / 1024),
    results.map((r) => r.rssKb[1]! / 1024),
    "MB",
    1.5
  )
  console.log("  is the echo floor fair? the same SDK answering like the token tool (shaped echo) against echo:")
  row("  shaped echo round trip p50, steady", of("steady", 2, "ms"), of("steady", 1, "ms"), "ms")
  row("  shaped echo server CPU, steady", of("steady", 2, "cpuUs"), of("steady", 1, "cpuUs"), "µs")
  row(`  shaped echo round trip, first ${calls}`, of("early", 2, "ms"), of("early", 1, "ms"), "ms")
  row(`  shaped echo server CPU, first ${calls}`, of("early", 2, "cpuUs"), of("early", 1, "cpuUs"), "µs")
  row("  coze-auth server CPU vs shaped, steady", of("steady", 0, "cpuUs"), of("steady", 2, "cpuUs"), "µs")
  row(`  coze-auth server CPU vs shaped, first ${calls}`, of("early", 0, "cpuUs"), of("early", 2, "cpuUs"), "µs")
  const perProcess = (phase: "early" | "steady", side: 0 | 1) =>
    of(phase, side, "ms")
      .map((ms) => ms.toFixed(3))
      .join(" ")
  console.log(`  echo p50 per process, steady (the bimodal floor): ${perProcess("steady", 1)} ms`)
  console.log(`  coze-auth p50 per process, steady:                ${perProcess("steady", 0)} ms`)
  console.log(
    `  p90 across pairs of the steady ratio: ${quantile(
      of("steady", 0, "ms").map((value, i) => value / of("steady", 1, "ms")[i]!),
      0.9
    ).toFixed(2)}×`
  )
}
