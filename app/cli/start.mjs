// npm start. Plain JavaScript, so that the process that serves carries no TypeScript
// loader (tsx and the app compiled twice: ~50 MB resident). The preparation (environment,
// production build when the sources changed, migrations, the demo seed) runs once in a
// child under tsx and ends; then this process serves the compiled build/server.js.
import { spawnSync } from 'node:child_process'

const prepared = spawnSync(process.execPath, ['--import', 'tsx', 'app/cli/prepare.ts'], { stdio: 'inherit' })
if (prepared.status !== 0) process.exit(prepared.status ?? 1)
const { serve } = await import('../../build/server.js')
await serve()
