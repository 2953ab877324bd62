/** Every tool, registered on one `McpServer` (one server per MCP session; all share the runtime). */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import type { RunTool } from "../Runtime.js"
import * as ApiGet from "./api_get.js"
import * as ApiRequest from "./api_request.js"
import * as Login from "./login.js"
import * as Logout from "./logout.js"
import * as Refresh from "./refresh.js"
import * as Status from "./status.js"
import * as Token from "./token.js"

export const registerTools = (
  server: McpServer,
  run: RunTool,
  options: { readonly tokenTool: boolean; readonly readOnly: boolean }
) => {
  Login.register(server, run)
  Status.register(server, run)
  // Switched off, `token` is not registered at all: a model cannot see, be talked into, or call it. Read-only
  // mode leaves it out too (a bearer token writes as well as reads), with every tool that changes something.
  if (options.tokenTool && !options.readOnly) Token.register(server, run)
  Refresh.register(server, run)
  if (!options.readOnly) Logout.register(server, run)
  ApiGet.register(server, run)
  if (!options.readOnly) ApiRequest.register(server, run)
}
