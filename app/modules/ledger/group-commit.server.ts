// Group commit: the fulfilments one app process receives within a millisecond or two share
// one database transaction, which takes the chain head once — first, and then whatever is
// queued, so what arrived while it waited for the head joins — and commits them together;
// each caller is answered after the commit. Items that say how to run *together* (a
// `Together` of the same kind, such as paid checkouts) first run as one unit: one
// multi-row statement per table for all of them, in one savepoint (none when the unit is
// the whole batch). Every other item, and each item the unit declines or every item of a
// unit that failed, runs its own work in a savepoint of its own. Why, and the lock order
// every poster keeps, in post.server.ts's header.
import { sql, type Kysely, type Transaction } from 'kysely'
import type { Database } from '../../../db/schema'
import { dialectOf } from '../../utils/db.server'
import { getEnv } from '../../utils/env.server'
import { invariant } from '../../utils/invariant'
import { lockHead } from './post.server'

type Trx = Transaction<Database>

export type GroupCommitSettings = {
  /** Most items in one transaction; 1 turns batching off. */
  max: number
  /** How long the first item of a batch waits for others to join it. */
  waitMs: number
}

/**
 * How items of one kind run as one unit. `run` gets the inputs in order and answers each
 * with its result, or undefined to decline it (the item then runs its own work). It must
 * write exactly what the items' own works would have written, or throw: then its
 * savepoint is rolled back and every item runs its own work.
 */
export type Together<I, R> = {
  kind: string
  input: I
  run: (trx: Trx, inputs: I[]) => Promise<(R | undefined)[]>
}

type Job = {
  work: (trx: Trx) => Promise<unknown>
  together?: Together<unknown, unknown>
  arrived: number
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

/** Figures of one process's group commits since it started (benches and tests read them). */
export type GroupCommitStats = {
  batches: number
  items: number
  largest: number
  /** Items that failed in a batch and ran again alone. */
  isolated: number
  /** Items answered by a unit run together (multi-row statements). */
  together: number
  /** Units run together that threw, so that their items ran one by one. */
  togetherFailed: number
  /** Milliseconds the chain head was held (lock taken to commit done), summed over transactions. */
  heldMs: number
}

class GroupCommitter {
  private queue: Job[] = []
  private running = false
  private timer: ReturnType<typeof setTimeout> | undefined
  readonly stats: GroupCommitStats = {
    batches: 0,
    items: 0,
    largest: 0,
    isolated: 0,
    together: 0,
    togetherFailed: 0,
    heldMs: 0,
  }

  private own: GroupCommitSettings | undefined

  constructor(private readonly db: Kysely<Database>) {}

  get settings(): GroupCommitSettings {
    return this.own ?? defaults ?? fromEnv()
  }
  set settings(settings: GroupCommitSettings) {
    this.own = settings
  }

  submit<T>(work: (trx: Trx) => Promise<T>, together?: Together<unknown, T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        work,
        together: together as Together<unknown, unknown> | undefined,
        arrived: Date.now(),
        resolve: resolve as (v: unknown) => void,
        reject,
      })
      this.schedule()
    })
  }

  /** Start a batch when it is full or its first item has waited long enough; one batch at a time. */
  private schedule() {
    if (this.running || !this.queue.length) return
    const due = this.queue[0]!.arrived + this.settings.waitMs - Date.now()
    if (this.queue.length >= this.settings.max || due <= 0) {
      if (this.timer) clearTimeout(this.timer)
      this.timer = undefined
      void this.flush()
    } else this.timer ??= setTimeout(() => ((this.timer = undefined), this.schedule()), due)
  }

  private async flush() {
    this.running = true
    try {
      await this.run()
    } finally {
      this.running = false
      this.schedule()
    }
  }

  /**
   * One batch: the transaction takes the head first and only then the queued items, so
   * the items that arrived while it waited for the lock (another process's batch, on
   * PostgreSQL) join this batch rather than wait for the next.
   */
  private async run() {
    let batch: Job[] = []
    const done = new Map<Job, unknown>()
    let failed: { error: unknown } | undefined
    let locked: number | undefined
    try {
      await this.db.transaction().execute(async (trx) => {
        await lockHead(trx)
        locked = performance.now()
        batch = this.queue.splice(0, this.settings.max)
        this.stats.batches++
        this.stats.items += batch.length
        this.stats.largest = Math.max(this.stats.largest, batch.length)
        // One item runs as it would alone: its error fails the transaction and is its answer.
        if (batch.length === 1) return void done.set(batch[0]!, await batch[0]!.work(trx))
        const alone: Job[] = []
        for (const unit of units(batch)) {
          if (unit.length === 1) alone.push(unit[0]!)
          else alone.push(...(await this.together(trx, unit, done, unit.length === batch.length)))
        }
        // Each item's writes are its own: a failure rolls back to its savepoint and the
        // others go on. PostgreSQL closes one item's savepoint and opens the next in one
        // round trip; the commit closes the last.
        const pg = dialectOf(trx) === 'postgres'
        if (alone.length) await sql`savepoint fulfil_item`.execute(trx)
        for (const [i, job] of alone.entries()) {
          try {
            done.set(job, await job.work(trx))
          } catch {
            await sql`rollback to savepoint fulfil_item`.execute(trx)
          }
          if (i === alone.length - 1) break
          if (pg) await sql`release savepoint fulfil_item; savepoint fulfil_item`.execute(trx)
          else {
            await sql`release savepoint fulfil_item`.execute(trx)
            await sql`savepoint fulfil_item`.execute(trx)
          }
        }
      })
    } catch (error) {
      // The batch itself failed (its lock, its commit, a lost connection, or its one item):
      // nothing of it was kept.
      done.clear()
      failed = { error }
    }
    if (locked !== undefined) this.stats.heldMs += performance.now() - locked
    if (batch.length === 1 && failed) return batch[0]!.reject(failed.error)
    // The head was never taken (a lost connection, a busy database): the items are still
    // queued, and each tries once alone, as when their batch failed.
    if (!batch.length) batch = this.queue.splice(0, this.settings.max)
    for (const job of batch) if (done.has(job)) job.resolve(done.get(job))
    // A failed item runs again alone, so that its caller gets the error an unbatched
    // fulfilment would have given (or, after a lost lock race, its result). Items are
    // idempotent (event claim, ledger keys), so a rerun after an unclear commit is safe.
    for (const job of batch) {
      if (done.has(job)) continue
      this.stats.isolated++
      await this.alone(job)
    }
  }

  /**
   * Run a unit together; returns the jobs left to run alone. In a savepoint, so that a
   * failure leaves the batch's other items to go on, unless the unit is the whole batch:
   * then its failure fails the transaction and every item runs alone, which is the same
   * answer two round trips cheaper.
   */
  private async together(trx: Trx, unit: Job[], done: Map<Job, unknown>, whole: boolean): Promise<Job[]> {
    const { run } = unit[0]!.together!
    if (!whole) await sql`savepoint fulfil_together`.execute(trx)
    try {
      const results = await run(
        trx,
        unit.map((j) => j.together!.input),
      )
      invariant(results.length === unit.length, 'a unit run together answers every item')
      if (!whole) await sql`release savepoint fulfil_together`.execute(trx)
      const left: Job[] = []
      for (const [i, job] of unit.entries()) {
        if (results[i] === undefined) left.push(job)
        else {
          done.set(job, results[i])
          this.stats.together++
        }
      }
      return left
    } catch (error) {
      this.stats.togetherFailed++
      if (whole) throw error
      await sql`rollback to savepoint fulfil_together`.execute(trx)
      return unit
    }
  }

  private async alone(job: Job) {
    let locked: number | undefined
    try {
      const result = await this.db.transaction().execute(async (trx) => {
        await lockHead(trx)
        locked = performance.now()
        return job.work(trx)
      })
      job.resolve(result)
    } catch (error) {
      job.reject(error)
    } finally {
      if (locked !== undefined) this.stats.heldMs += performance.now() - locked
    }
  }
}

/** The batch in units: the items of each `Together` kind as one unit (first), every other item alone. */
function units(batch: Job[]): Job[][] {
  const kinds = new Map<string, Job[]>()
  const single: Job[][] = []
  for (const job of batch) {
    const kind = job.together?.kind
    if (kind === undefined) single.push([job])
    else kinds.set(kind, [...(kinds.get(kind) ?? []), job])
  }
  return [...kinds.values(), ...single]
}

const committers = new WeakMap<Kysely<Database>, GroupCommitter>()
let defaults: GroupCommitSettings | undefined
let env: GroupCommitSettings | undefined
const fromEnv = () => (env ??= { max: getEnv().FULFIL_BATCH_MAX, waitMs: getEnv().FULFIL_BATCH_WAIT_MS })

function committerFor(db: Kysely<Database>): GroupCommitter {
  let c = committers.get(db)
  if (!c) committers.set(db, (c = new GroupCommitter(db)))
  return c
}

/** Tests: batching for every database without settings of its own (undefined: the environment's). */
export function setGroupCommitDefaults(settings: GroupCommitSettings | undefined): void {
  defaults = settings
}

/**
 * Run `work` in a transaction that holds the chain head, possibly shared with other
 * callers' work (one savepoint each, or run together with items of the same `together`
 * kind). Resolves after the commit with work's result; a
 * failing work is rerun alone and its error rejected, never the others'. `work` must use
 * only `trx` and may run twice, so it must be idempotent.
 */
export function groupCommit<T, I>(
  db: Kysely<Database>,
  work: (trx: Trx) => Promise<T>,
  together?: Together<I, T>,
): Promise<T> {
  return committerFor(db).submit(work, together as Together<unknown, T> | undefined)
}

/** Tests: change one database's batching, and read what it did. */
export function groupCommitFor(db: Kysely<Database>): { settings: GroupCommitSettings; stats: GroupCommitStats } {
  return committerFor(db)
}
