// A process dying mid-step: a Kysely plugin that throws after the k-th query of the step.
// Inside a transaction the throw aborts it and the driver rolls back — what SQLite and
// PostgreSQL do when the connection of a dead process goes away; the runner then drops
// this Kysely instance and opens a fresh one on the same database ("the restart").
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely'

export class CrashError extends Error {
  constructor(after: number) {
    super(`simulated crash after ${after} queries`)
  }
}

export class CrashPlugin implements KyselyPlugin {
  private seen = 0
  crashed = false
  constructor(private readonly after: number) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.crashed) throw new CrashError(this.after) // a dead process sends nothing more
    if (++this.seen > this.after) {
      this.crashed = true
      throw new CrashError(this.after)
    }
    return args.node
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result
  }
}
