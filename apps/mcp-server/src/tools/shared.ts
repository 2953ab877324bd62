/** Zod fragments and conversions shared by the tools: zod lives only here, at the MCP edge. */
import { DateTime, Option } from "effect"
import * as z from "zod/v4"

export const profile = z
  .string()
  .min(1)
  .optional()
  .describe("The profile to use (see the status tool); the default profile when omitted")

export const expiresAt = z
  .string()
  .nullable()
  .describe("When the access token expires (ISO 8601), or null for tokens without a known expiry (PATs)")

export const toIso = (instant: Option.Option<DateTime.Utc>): string | null =>
  Option.match(instant, { onNone: () => null, onSome: DateTime.formatIso })

/** Said wherever the model or the user looks while the server runs its embedded emulator. */
export const sandboxNote =
  "SANDBOX: this server talks to an embedded Coze emulator, not to Coze; its tokens work only against the " +
  "emulator. For real Coze, configure the COZE_* variables or profiles.json in the server's environment (docs/mcp.md)."
