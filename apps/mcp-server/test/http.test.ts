import { type ChildProcess, spawn } from "node:child_process"
import * as http from "node:http"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { mainJs, tempHome, watch } from "./utils/spawned.js"

const key = "test-key-0123456789abcdef"
let child: ChildProcess
let url: URL
let stderr: ReturnType<typeof watch>

beforeAll(async () => {
  child = spawn(process.execPath, [mainJs, "--sandbox", "--transport", "http", "--port", "0"], {
    env: { PATH: process.env.PATH, COZE_AUTH_HOME: tempHome(), COZE_AUTH_MCP_KEY: key },
    stdio: ["ignore", "ignore", "pipe"]
  })
  stderr = watch(child.stderr!)
  url = new URL((await stderr.find(/listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)/))[1]!)
})
afterAll(() => void child.kill())

const initialize = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } }
})

/** A raw POST, so that Host and Origin can be anything. */
const post = (headers: Record<string, string>) =>
  new Promise<number>((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers }
      },
      (response) => {
        response.resume()
        resolve(response.statusCode ?? 0)
      }
    )
    request.on("error", reject)
    request.end(initialize)
  })

describe("Streamable HTTP", () => {
  it("answers 401 without a key or with a wrong one", async () => {
    assert.strictEqual(await post({}), 401)
    assert.strictEqual(await post({ authorization: "Bearer wrong" }), 401)
    assert.strictEqual(await post({ authorization: `Basic ${key}` }), 401)
  })

  it("answers 403 to a foreign Host or Origin, key or not", async () => {
    const authorization = `Bearer ${key}`
    assert.strictEqual(await post({ authorization, host: "evil.example:80" }), 403)
    assert.strictEqual(await post({ authorization, origin: "http://evil.example" }), 403)
    assert.strictEqual(await post({ host: `attacker.test:${url.port}` }), 403)
  })

  it("serves a client that brings the right key", async () => {
    const transport = new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { authorization: `Bearer ${key}` } }
    })
    const client = new Client({ name: "http", version: "1.0.0" })
    await client.connect(transport)
    const { tools } = await client.listTools()
    assert.include(
      tools.map((t) => t.name),
      "status"
    )
    const result = await client.callTool({ name: "status", arguments: {} })
    assert.isNotTrue(result.isError)
    await client.close()
  })

  it("never prints a key it did not generate", () => {
    assert.notInclude(stderr.text(), key)
  })
})
