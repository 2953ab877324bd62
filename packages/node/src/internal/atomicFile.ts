/**
 * Atomic replace of a small secret file, and the sweeping of what a crash leaves. A write goes to
 * `<file>.<pid>.<random>.tmp` (created 0600, exclusively), is fsynced, renamed over `<file>`, and the
 * directory fsynced. A process killed before the rename leaves its temporary file, which holds a credential
 * that is superseded (or never was stored): `sweep` removes those of dead processes, those of live ones once
 * they are older than any write takes, and the `<file>.<number>` files of `write-file-atomic`, which earlier
 * releases used.
 */
import { randomBytes } from "node:crypto"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { codeOf } from "./fsError.js"

const tempPattern = /^.+\.(\d+)\.[0-9a-f]+\.tmp$/
const legacyPattern = /^.+\.json\.\d+$/

/** The temporary files this process is writing now: never swept. */
const active = new Set<string>()

/** A write never takes this long; a temporary file older than this is abandoned whoever made it. */
const abandonedMillis = 60_000

const syncDirectory = async (directory: string) => {
  // Makes the rename durable; some platforms cannot open a directory for that, which is no failure.
  const handle = await fs.open(directory, "r").catch(() => undefined)
  if (handle === undefined) return
  await handle.sync().catch(() => undefined)
  await handle.close()
}

/** Replaces `file` with `data` atomically, created with `mode`. */
export const writeAtomic = async (file: string, data: string, mode: number): Promise<void> => {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`
  active.add(temp)
  try {
    const handle = await fs.open(temp, "wx", mode)
    try {
      await handle.writeFile(data, "utf8")
      await handle.sync()
    } finally {
      await handle.close()
    }
    await fs.rename(temp, file)
  } catch (cause) {
    await fs.unlink(temp).catch(() => undefined)
    throw cause
  } finally {
    active.delete(temp)
  }
  await syncDirectory(path.dirname(file))
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (cause) {
    return codeOf(cause) === "EPERM"
  }
}

const isAbandoned = async (file: string, now: number) => {
  const stat = await fs.stat(file).catch(() => undefined)
  return stat !== undefined && now - stat.mtimeMs > abandonedMillis
}

/**
 * Removes the leftovers of interrupted writes in `directory`; returns how many. Best effort: a file that
 * cannot be removed now is tried again next time.
 */
export const sweep = async (directory: string): Promise<number> => {
  const names = await fs.readdir(directory).catch(() => [] as Array<string>)
  const now = Date.now()
  let removed = 0
  for (const name of names) {
    const file = path.join(directory, name)
    const temp = tempPattern.exec(name)
    const leftover =
      temp !== null
        ? !active.has(file) &&
          (Number(temp[1]) === process.pid || !isAlive(Number(temp[1])) || (await isAbandoned(file, now)))
        : legacyPattern.test(name) && (await isAbandoned(file, now))
    if (
      leftover &&
      (await fs.unlink(file).then(
        () => true,
        () => false
      ))
    )
      removed++
  }
  return removed
}

/** Whether `name` is a temporary file of a write (this release's or an earlier one's). */
export const isTemporary = (name: string): boolean => tempPattern.test(name) || legacyPattern.test(name)
