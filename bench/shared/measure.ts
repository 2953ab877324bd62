// Throughput windows measured side by side: every round runs each variant for a short window, in an order
// that rotates every round, so a busy moment on the shared machine hits all of them alike; ratios are taken
// per round (paired) and summarised by their median and interquartile range.
import { Effect } from "effect"

export const quick = process.env.BENCH_QUICK === "1"

export interface Sample {
  /** Throughput: what the targets are about. */
  readonly opsPerSecond: number
  /** CPU time of this process (every thread) per op: steadier than throughput when the machine is busy. */
  readonly cpuMicrosPerOp: number
}

const sampleOf = (ops: number, start: number, cpu: NodeJS.CpuUsage): Sample => {
  const { system, user } = process.cpuUsage(cpu)
  return { opsPerSecond: (ops * 1000) / (performance.now() - start), cpuMicrosPerOp: (user + system) / ops }
}

/** `lanes` loops, each awaiting one op after another, for `windowMs`. */
export const measure = async (run: () => Promise<unknown>, windowMs: number, lanes = 1): Promise<Sample> => {
  let ops = 0
  const cpu = process.cpuUsage()
  const start = performance.now()
  const lane = async () => {
    while (performance.now() - start < windowMs) {
      await run()
      ops++
    }
  }
  await Promise.all(Array.from({ length: lanes }, lane))
  return sampleOf(ops, start, cpu)
}

/** The same for an Effect, run in fibers as a program would (not one runtime start per op). */
export const measureEffect = <E>(effect: Effect.Effect<unknown, E>, windowMs: number, lanes = 1): Promise<Sample> =>
  Effect.runPromise(
    Effect.gen(function* () {
      let ops = 0
      const cpu = process.cpuUsage()
      const start = performance.now()
      const lane = Effect.whileLoop({
        while: () => performance.now() - start < windowMs,
        body: () => effect,
        step: () => {
          ops++
        }
      })
      yield* Effect.all(
        Array.from({ length: lanes }, () => lane),
        { concurrency: "unbounded", discard: true }
      )
      return sampleOf(ops, start, cpu)
    })
  )

export type Results = Record<string, Array<Sample>>

/** `rounds` rounds of every variant, in an order rotating each round, after one warm-up window each. */
export const runRounds = async (rounds: number, variants: Record<string, () => Promise<Sample>>): Promise<Results> => {
  const names = Object.keys(variants)
  const results: Results = Object.fromEntries(names.map((name) => [name, []]))
  for (const name of names) await variants[name]!()
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length]!
      results[name]!.push(await variants[name]!())
    }
  }
  return results
}

export const quantile = (values: ReadonlyArray<number>, q: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (sorted.length - 1) * q
  const below = Math.floor(at)
  return sorted[below]! + (sorted[Math.ceil(at)]! - sorted[below]!) * (at - below)
}

export const median = (values: ReadonlyArray<number>) => quantile(values, 0.5)

/** `median (IQR q1–q3)` of some values. */
export const spread = (values: ReadonlyArray<number>, digits = 2) =>
  `${median(values).toFixed(digits)} (IQR ${quantile(values, 0.25).toFixed(digits)}–${quantile(values, 0.75).toFixed(digits)})`

/**
 * Prints each variant's median throughput and CPU per op, then each comparison: the median of the per-round
 * throughput ratios (IQR), the CPU per op against the baseline's, and the verdict against a target.
 */
export const report = (
  title: string,
  results: Results,
  labels: Record<string, string>,
  comparisons: ReadonlyArray<readonly [label: string, name: string, baseline: string, target?: number]>,
  unit = "ops/s"
) => {
  console.log(`\n${title}`)
  for (const [name, label] of Object.entries(labels)) {
    const ops = median(results[name]!.map((sample) => sample.opsPerSecond))
    const cpu = median(results[name]!.map((sample) => sample.cpuMicrosPerOp))
    console.log(`  ${label.padEnd(50)} ${ops.toFixed(0).padStart(6)} ${unit}  ${cpu.toFixed(1).padStart(7)} µs CPU/op`)
  }
  for (const [label, name, baseline, target] of comparisons) {
    const paired = (f: (sample: Sample, base: Sample) => number) =>
      results[name]!.map((sample, round) => f(sample, results[baseline]![round]!))
    const ratios = paired((sample, base) => sample.opsPerSecond / base.opsPerSecond)
    const cpuRatios = paired((sample, base) => sample.cpuMicrosPerOp / base.cpuMicrosPerOp)
    const ratio = median(ratios)
    const verdict = target === undefined ? "" : `  target ≥ ${target.toFixed(2)}× ${ratio >= target ? "met" : "MISSED"}`
    console.log(`  ${label.padEnd(50)} ${spread(ratios, 3)}×; CPU/op ${spread(cpuRatios, 2)}× the baseline's${verdict}`)
  }
}
