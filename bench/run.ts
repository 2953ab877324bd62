// `pnpm bench`: runs every benchmark under bench/ in turn (or only those named on the command line:
// `pnpm bench jwt`). Each prints ratios against a baseline measured in the same run, because absolute
// times on shared machines mean little.
import { readdirSync } from "node:fs"

const only = process.argv.slice(2)
const suites = readdirSync(new URL(".", import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== "node_modules" && !entry.name.startsWith("."))
  .map((entry) => entry.name)
  .filter((name) => only.length === 0 || only.includes(name))

for (const suite of suites) {
  console.log(`\n## ${suite}`)
  await import(`./${suite}/${suite}.bench.ts`)
}
