// Stand-in for `halo-admin --db <file> tui` while the CLI's `tui` command is not built:
// opens the database as the CLI does (HALO_NOW fixes the clock, HALO_ACTOR names the operator),
// runs the built TUI, closes the database. The e2e test prefers bin/halo-admin.js when it exists.
import { fixedClock, migrateToLatest, openDatabase, systemClock } from '../../../dist/src/index.js'
import { runTui } from '../../../dist/src/tui/run-tui.js'

const args = process.argv.slice(2)
const db = args[args.indexOf('--db') + 1]
if (args.indexOf('--db') < 0 || db === undefined || args[args.length - 1] !== 'tui') {
  process.stderr.write('usage: tui-launcher.mjs --db <target> tui\n')
  process.exit(2)
}
const handle = await openDatabase(db)
try {
  await migrateToLatest(handle)
  const clock = process.env.HALO_NOW ? fixedClock(process.env.HALO_NOW) : systemClock
  await runTui({ handle, actor: process.env.HALO_ACTOR ?? 'ops', clock })
} catch (e) {
  process.stderr.write(`error ${e?.code ?? 'INTERNAL'}: ${e?.message ?? e}\n`)
  process.exitCode = e?.code === 'INVALID_INPUT' ? 2 : 1
} finally {
  await handle.close()
}
