// tmux and faketime, from Debian, before any test needs them.
// @ts-expect-error: a plain .mjs script of the repository, without types
import { ensureTerminalTools } from "../../../scripts/ensure-debian-packages.mjs"

export default function setup() {
  if (!ensureTerminalTools()) throw new Error("tmux and faketime are needed for the CLI's tests")
}
