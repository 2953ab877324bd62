import { createHash } from "node:crypto"
import { Redacted } from "effect"

/** Enough of a token's hash to tell tokens apart without printing one. */
export const hashOf = (token: Redacted.Redacted<string>) =>
  createHash("sha256").update(Redacted.value(token)).digest("hex").slice(0, 16)
