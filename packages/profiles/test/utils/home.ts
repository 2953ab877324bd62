import { mkdtempSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

/** A fresh COZE_AUTH_HOME, with a profiles.json (an object, or raw text) when given. */
export const home = (profiles?: unknown) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "coze-auth-profiles-"))
  if (profiles !== undefined)
    writeFileSync(path.join(dir, "profiles.json"), typeof profiles === "string" ? profiles : JSON.stringify(profiles))
  return dir
}
