/**
 * Edits `profiles.json` in `COZE_AUTH_HOME` for `profiles add | remove | default` and `login --with-token`.
 * Only the raw JSON is touched here; what an entry means (and whether it is valid) is @coze-auth/profiles'
 * business: an added entry is kept only when its loader accepts it. The file may hold client secrets and
 * private keys: 0600 in a 0700 directory, replaced atomically so a crash leaves the old file or the new one.
 */

import { randomBytes } from "node:crypto"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import * as ProfileSpec from "@coze-auth/profiles/ProfileSpec"
import { Effect, Predicate } from "effect"
import { CliFailure } from "./Failure.js"
import * as Load from "./Load.js"

export type Entries = Record<string, Record<string, unknown>>

export const pathOf = (home: string) => path.join(home, ProfileSpec.fileName)

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

/** A temporary file next to the target, fsynced, then renamed over it: readers see the old file or the new one. */
const replaceAtomically = async (file: string, text: string) => {
  const temporary = `${file}.${randomBytes(6).toString("hex")}.tmp`
  try {
    const handle = await fs.open(temporary, "wx", 0o600)
    try {
      await handle.writeFile(text)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await fs.rename(temporary, file)
  } catch (cause) {
    await fs.rm(temporary, { force: true })
    throw cause
  }
}

export const write = (home: string, entries: Entries): Effect.Effect<void, CliFailure> =>
  Effect.tryPromise({
    try: async () => {
      await fs.mkdir(home, { recursive: true, mode: 0o700 })
      await replaceAtomically(pathOf(home), `${JSON.stringify(entries, null, 2)}\n`)
    },
    catch: (cause) => new CliFailure({ message: `cannot write ${pathOf(home)}: ${reason(cause)}` })
  })

/**
 * Adds the entry `name` and keeps it only if the shared loader can use it (`check`); otherwise the file is put
 * back as it was and the loader's verdict, naming every faulty field, is the failure.
 */
export const add = (home: string, name: string, entry: Record<string, unknown>) =>
  Effect.gen(function* () {
    const before = yield* read(home)
    if (before[name] !== undefined)
      return yield* new CliFailure({
        message: `profile "${name}" exists already; remove it first (coze-auth profiles remove ${name})`
      })
    yield* write(home, { ...before, [name]: entry })
    yield* Load.check(home, name).pipe(Effect.tapError(() => write(home, before)))
  })
