import * as TokenStore from "@coze-auth/core/TokenStore"
import * as ProfileSpec from "@coze-auth/profiles/ProfileSpec"
import * as Profiles from "@coze-auth/profiles/Profiles"
import * as Store from "@coze-auth/profiles/Store"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as AppLayer from "../src/AppLayer.js"
import * as Runtime from "../src/Runtime.js"
import * as Settings from "../src/Settings.js"
import { makeSessions } from "../src/transports/Http.js"

// Sessions only: no tool runs, so the runtime (no profiles) is never even built.
const runtime = Runtime.make(
  AppLayer.make({
    profiles: Profiles.layer(Effect.succeed(ProfileSpec.fromSpecs([])), { store: Store.StoreChoice.Memory() }),
    store: TokenStore.layerMemory,
    settings: Settings.fallback("/nonexistent")
  })
)

const rpc = (body: object, sessionId?: string) =>
  new Request("http://127.0.0.1/mcp", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(sessionId === undefined ? {} : { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" })
    },
    body: JSON.stringify({ jsonrpc: "2.0", ...body })
  })

const initialize = async (handle: (request: Request) => Promise<Response>) => {
  const response = await handle(
    rpc({
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } }
    })
  )
  assert.strictEqual(response.status, 200)
  return response.headers.get("mcp-session-id")!
}

const listTools = (handle: (request: Request) => Promise<Response>, sessionId: string) =>
  handle(rpc({ id: 2, method: "tools/list" }, sessionId)).then((response) => response.status)

describe("HTTP sessions", () => {
  it("closes the least recently used session past the cap", async () => {
    const handle = makeSessions(runtime, { tokenTool: true, maxSessions: 2 })
    const first = await initialize(handle)
    const second = await initialize(handle)
    assert.strictEqual(await listTools(handle, first), 200) // now `second` is the least recently used
    const third = await initialize(handle)
    assert.strictEqual(await listTools(handle, second), 404)
    assert.strictEqual(await listTools(handle, first), 200)
    assert.strictEqual(await listTools(handle, third), 200)
  })

  it("closes sessions left idle", async () => {
    let now = 0
    const handle = makeSessions(runtime, { tokenTool: true, idleMillis: 1_000, now: () => now })
    const idle = await initialize(handle)
    const busy = await initialize(handle)
    now = 800
    assert.strictEqual(await listTools(handle, busy), 200)
    now = 1_500
    assert.strictEqual(await listTools(handle, idle), 404)
    assert.strictEqual(await listTools(handle, busy), 200)
  })
})
