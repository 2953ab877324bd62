import { type ChildProcess, spawn } from "node:child_process"
import * as path from "node:path"
import { createInterface } from "node:readline"
import { build } from "esbuild"

const fixtures = path.join(import.meta.dirname, "..", "fixtures")

/** Runs `test/fixtures/<name>.ts` in its own Node process through tsx. */
export const spawnFixture = (name: string, args: ReadonlyArray<string>): ChildProcess =>
  spawn(process.execPath, ["--import", "tsx", path.join(fixtures, `${name}.ts`), ...args], {
    stdio: ["ignore", "pipe", "inherit"]
  })

/**
 * Bundles a fixture into one CommonJS file: it starts in a fraction of tsx's time, which matters when a
 * test starts it hundreds of times.
 */
export const bundleFixture = async (name: string, outdir: string): Promise<string> => {
  const outfile = path.join(outdir, `${name}.cjs`)
  await build({
    entryPoints: [path.join(fixtures, `${name}.ts`)],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    logLevel: "error"
  })
  return outfile
}

/** Calls `onLine` for every stdout line of `child`, resolves with its exit once it has ended. */
export const lines = (child: ChildProcess, onLine: (line: string) => void): Promise<number | null> =>
  new Promise((resolve) => {
    if (child.stdout) createInterface({ input: child.stdout }).on("line", onLine)
    child.on("close", (code) => resolve(code))
  })
