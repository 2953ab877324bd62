/**
 * The product as users run it: the emulator's shipped `bin` as a process of its own, and the built server
 * (`dist/main.js`) with real profiles and the file store, each started the way a user or an MCP client does.
 */
import * as Emulator from "@coze-auth/emulator/EmulatorProcess"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import { mainJs, watch } from "./spawned.js"

export const emulatorBin = Emulator.binJs

export interface EmulatorProcess {
  readonly url: string
  readonly stop: () => Promise<void>
  readonly control: <A = Record<string, unknown>>(route: string, body?: object) => Promise<A>
  readonly requests: () => Promise<ReadonlyArray<{ readonly path: string; readonly grant_type?: string }>>
}

/** The emulator's built `bin` on a free port (`@coze-auth/emulator/EmulatorProcess`), with its control API. */
export const startEmulator = async (): Promise<EmulatorProcess> => {
  const { stop, url } = await Emulator.start()
  const control = async <A>(route: string, body?: object): Promise<A> => {
    const response = await fetch(`${url}/__emulator${route}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    if (!response.ok) throw new Error(`emulator ${route}: ${response.status} ${await response.text()}`)
    return (await response.json()) as A
  }
  return { url, stop, control, requests: () => control("/requests") }
}

export interface ServerProcess {
  readonly client: Client
  readonly stderr: ReturnType<typeof watch>
  readonly pid: number
  readonly call: (name: string, args?: Record<string, unknown>) => Promise<CallToolResult>
  readonly close: () => Promise<void>
}

/** The built server over stdio through the SDK's real client, with exactly `env` (as an MCP client passes it). */
export const startServer = async (env: Record<string, string>): Promise<ServerProcess> => {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [mainJs],
    env: { PATH: process.env.PATH ?? "", ...env },
    stderr: "pipe"
  })
  const stderr = watch(transport.stderr!)
  const client = new Client({ name: "production-e2e", version: "1.0.0" })
  await client.connect(transport)
  return {
    client,
    stderr,
    pid: transport.pid!,
    call: (name, args = {}) => client.callTool({ name, arguments: args }) as Promise<CallToolResult>,
    close: () => client.close()
  }
}
