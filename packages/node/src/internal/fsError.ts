/** What a file-system error means: its code, and a `TokenStoreError` naming only a cause the code tells. */
import { TokenStoreError } from "@coze-auth/core/CozeError"
import { Predicate } from "effect"

export const codeOf = (cause: unknown): string | undefined =>
  Predicate.hasProperty(cause, "code") && typeof cause.code === "string" ? cause.code : undefined

export const isMissing = (cause: unknown) => codeOf(cause) === "ENOENT"

/** proper-lockfile's answer when another holder's lock is neither released nor stale. */
export const isHeld = (cause: unknown) => codeOf(cause) === "ELOCKED"

/** What a file-system error code means, for the codes whose meaning is certain; else nothing is guessed. */
const explain = (cause: unknown, directory: string): { readonly why: string; readonly hint?: string } => {
  const code = codeOf(cause)
  switch (code) {
    case "EACCES":
    case "EPERM":
      return { why: "permission denied", hint: `check the permissions of ${directory} (COZE_AUTH_HOME)` }
    case "ENOSPC":
      return { why: "the disk is full", hint: "free some space" }
    case "EDQUOT":
      return { why: "the disk quota is used up", hint: "free some space" }
    case "EROFS":
      return { why: "the file system is read-only", hint: "set COZE_AUTH_HOME to a writable directory" }
    case "ENOTDIR":
      return { why: "a part of the path is not a directory", hint: `check ${directory} (COZE_AUTH_HOME)` }
    default:
      return { why: code ?? (cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)) }
  }
}

/** `cannot <what>: <why>`, naming only a cause the error code tells, and keeping the cause itself. */
export const failure = (what: string, directory: string) => (cause: unknown) => {
  const { hint, why } = explain(cause, directory)
  return new TokenStoreError({ description: `cannot ${what}: ${why}`, ...(hint === undefined ? {} : { hint }), cause })
}
