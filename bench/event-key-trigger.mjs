// node bench/event-key-trigger.mjs (after npm run build)
// Server time per session_events insert with and without migration 0007's key trigger (one DO block of
// 5000 single-row inserts per round, alternating, 5 rounds each).
import { startCluster } from './support/pg-cluster.mjs'
import { migrateToLatest, openDatabase } from '../dist/src/index.js'
import pg from 'pg'
const cluster = await startCluster()
try {
  const h = await openDatabase(cluster.url)
  await migrateToLatest(h)
  await h.close()
  const c = new pg.Client({ connectionString: cluster.url })
  await c.connect()
  await c.query(`insert into sessions (customer_id, mitra_id, status, started_at, ends_at) values ('c', 'm', 'active', now(), now())`)
  const round = async () => {
    const t = process.hrtime.bigint()
    await c.query(`do $$ begin for i in 1..5000 loop
      insert into session_events (session_id, event, from_status, to_status, actor_type, created_at) values (1, 'goodbye', 'closing', 'closing', 'mitra', now());
    end loop; end $$`)
    return Number(process.hrtime.bigint() - t) / 1e3 / 5000
  }
  await round()
  const on = [],
    off = []
  for (let r = 0; r < 5; r++) {
    on.push(await round())
    await c.query('alter table session_events disable trigger session_events_key')
    off.push(await round())
    await c.query('alter table session_events enable trigger session_events_key')
  }
  const med = (a) => [...a].sort((x, y) => x - y)[2]
  console.log(
    `µs per event insert, median of 5 rounds of 5000: with key trigger ${med(on).toFixed(1)}, without ${med(off).toFixed(1)} (+${(med(on) - med(off)).toFixed(1)} µs)`,
  )
  console.log('with', on.map((x) => x.toFixed(1)).join(' '), '| without', off.map((x) => x.toFixed(1)).join(' '))
  await c.end()
} finally {
  cluster.stop()
}
