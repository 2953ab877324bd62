/**
 * Edits `profiles.json` in `COZE_AUTH_HOME` for `profiles add | remove | default` and `login --with-token`.
 * Only the raw JSON is touched here; what an entry means (and whether it is valid) is @coze-auth/profiles'
 * business, which the commands reload after every edit. The file may hold client secrets and private keys:
 * 0600 in a 0700 directory, replaced atomically so a crash leaves the old file or the new one.
 */
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { Effect, Predicate } from "effect"
import writeFileAtomic from "write-file-atomic"
import { CliFailure } from "./Failure.js"

export const fileName = "profiles.json"

export type Entries = Record<string, Record<string, unknown>>

export const pathOf = (home: string) => path.join(home, fileName)

const reason = (cause: unknown) => {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code
  return code === "EACCES" || code === "EPERM"
    ? "permission denied; check the permissions of COZE_AUTH_HOME"
    : code === "ENOSPC"
      ? "the disk is full"
      : String((cause as Error | undefined)?.message ?? cause)
}

/** The entries; none when the file does not exist. */
export const read = (home: string): Effect.Effect<Entries, CliFailure> =>
  Effect.gen(function* () {
    const file = pathOf(home)
    const text = yield* Effect.tryPromise({
      try: () => fs.readFile(file, "utf8"),
      catch: (cause) => cause
    }).pipe(
      Effect.catchAll((cause) =>
        (cause as NodeJS.ErrnoException).code === "ENOENT"
          ? Effect.succeed("{}")
          : Effect.fail(new CliFailure({ message: `cannot read ${file}: ${reason(cause)}` }))
      )
    )
    const parsed = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: () => new CliFailure({ message: `${file} is not valid JSON; fix it or move it away` })
    })
    if (!Predicate.isRecord(parsed) || Object.values(parsed).some((entry) => !Predicate.isRecord(entry)))
      return yield* new CliFailure({ message: `${file} must be an object of profiles; fix it or move it away` })
    return parsed as Entries
  })

export const write = (home: string, entries: Entries): Effect.Effect<void, CliFailure> =>
  Effect.tryPromise({
    try: async () => {
      await fs.mkdir(home, { recursive: true, mode: 0o700 })
      await writeFileAtomic(pathOf(home), `${JSON.stringify(entries, null, 2)}\n`, { mode: 0o600 })
    },
    catch: (cause) => new CliFailure({ message: `cannot write ${pathOf(home)}: ${reason(cause)}` })
  })

/** Applies `f` to the entries and writes the result. */
export const update = (home: string, f: (entries: Entries) => Effect.Effect<Entries, CliFailure>) =>
  Effect.flatMap(Effect.flatMap(read(home), f), (entries) => write(home, entries))
