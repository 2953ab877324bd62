// `npm run bench`: runs every suite under bench/ (a directory `x` holding `x/x.bench.ts`) in turn, or only
// those named (`npm run bench -- jwt mcp`). A name that matches no suite is an error. `--quick` (or
// BENCH_QUICK=1) runs fewer rounds, for a smoke run. Each suite prints ratios against a baseline measured in
// the same run, because absolute times on shared machines mean little.
import { existsSync, readdirSync } from "node:fs"
import { fileURLToPath } from "node:url"

const here = fileURLToPath(new URL(".", import.meta.url))
const suites = readdirSync(here, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(`${here}/${entry.name}/${entry.name}.bench.ts`))
  .map((entry) => entry.name)
  .sort()

// pnpm passes the `--` of `pnpm run bench -- jwt` through; it is no suite name.
const args = process.argv.slice(2).filter((arg) => arg !== "--")
if (args.includes("--quick")) process.env.BENCH_QUICK = "1"
const names = args.filter((arg) => !arg.startsWith("--"))
const unknown = names.filter((name) => !suites.includes(name))
if (unknown.length > 0) {
  console.error(`no benchmark suite named ${unknown.join(", ")}; the suites are ${suites.join(", ")}`)
  process.exit(2)
}

const started = performance.now()
for (const suite of names.length === 0 ? suites : names) {
  console.log(`\n## ${suite}${process.env.BENCH_QUICK === "1" ? " (quick)" : ""}`)
  await import(`./${suite}/${suite}.bench.ts`)
}
console.log(`\nbench: done in ${((performance.now() - started) / 1000).toFixed(0)} s`)
