// A second floor: the echo server's SDK, but with the coze-auth `token` tool's input and output schemas and an
// answer of the same shape (a constant), to tell what the answer's size and validation cost from what the
// coze-auth server does per call.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js"
import * as z from "zod/v4"

const answer = { access_token: "pat_bench", token_type: "Bearer", expires_at: null, api_base: "https://api.coze.com" }
const server = new McpServer({ name: "shaped", version: "1.0.0" })
server.registerTool(
  "token",
  {
    description: "Answers like coze-auth's token tool",
    inputSchema: {
      profile: z.string().min(1).optional(),
      min_valid_seconds: z.number().int().min(0).max(86_399).optional(),
      session_name: z.string().min(1).optional()
    },
    outputSchema: {
      access_token: z.string(),
      token_type: z.literal("Bearer"),
      expires_at: z.string().nullable(),
      api_base: z.string(),
      note: z.string().optional()
    }
  },
  () => ({ content: [{ type: "text", text: JSON.stringify(answer) }], structuredContent: { ...answer } })
)
await server.connect(new StdioServerTransport())
