/** One MCP server (per session) over the shared runtime: the tools, and what the model is told about them. */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { type AppRuntime, runTool } from "./Runtime.js"
import { registerTools } from "./tools/index.js"

export const version = "0.1.0"

/** Which tools are offered: `token` can be switched off, and read-only mode leaves out every writing tool. */
export interface ServerOptions {
  readonly tokenTool: boolean
  readonly readOnly?: boolean | undefined
}

const instructions = (readOnly: boolean) =>
  "coze-auth logs the user in to Coze (coze.com / coze.cn) and calls the Coze OpenAPI with their credential. " +
  "Call status to see the profiles and login to sign in (the user approves in their browser). To use the API, " +
  (readOnly
    ? "call api_get with a path such as /v1/users/me (this server is read-only). "
    : "call api_get (reads) or api_request (writes) with a path such as /v1/users/me. ") +
  "The server attaches and refreshes the token, so you never handle it; the token tool, where offered, is only " +
  "for programs outside this conversation."

export const makeServer = (runtime: AppRuntime, options: ServerOptions): McpServer => {
  const readOnly = options.readOnly === true
  const server = new McpServer(
    { name: "coze-auth", version },
    { instructions: instructions(readOnly), capabilities: { tools: {} } }
  )
  registerTools(server, runTool(runtime), { tokenTool: options.tokenTool, readOnly })
  return server
}
