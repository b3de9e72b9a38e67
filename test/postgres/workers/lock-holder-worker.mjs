// Takes the session's row lock through the library's own write transaction, says "locked", and then
// never finishes: the test stops this process with SIGSTOP, as a CLI process stopped mid-transaction.
import { openDatabase } from '../../../dist/src/index.js'

const [target, id] = process.argv.slice(2)
const handle = await openDatabase(target, { poolSize: 1 })
await handle.write(async (trx) => {
  await trx.selectFrom('sessions').select('id').where('id', '=', Number(id)).forUpdate().execute()
  process.stdout.write('locked\n')
  await new Promise(() => {})
})
