// node bench/events-follow-idle.mjs (after npm run build)
// Transactions an idle `halo-admin events --follow` makes on PostgreSQL per 5 s: before and after its
// listener is killed (pg_terminate_backend) and after a server restart.
import { spawn } from 'node:child_process'
import pg from 'pg'
import { startCluster } from './support/pg-cluster.mjs'
import { migrateToLatest, openDatabase } from '../dist/src/index.js'
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const cluster = await startCluster()
const url = cluster.url.replace(/\/postgres$/, '/feed')
let admin = new pg.Client({ connectionString: cluster.url })
await admin.connect()
await admin.query('create database feed')
const h = await openDatabase(url)
await migrateToLatest(h)
await h.close()
const child = spawn(process.execPath, ['bin/halo-admin.js', '--db', url, 'events', '--follow'], { stdio: ['ignore', 'ignore', 'inherit'] })
const commits = async () => Number((await admin.query(`select xact_commit + xact_rollback as n from pg_stat_database where datname = 'feed'`)).rows[0].n)
const per5s = async (what) => {
  await admin.query('select pg_stat_clear_snapshot()')
  const a = await commits()
  await sleep(5000)
  await admin.query('select pg_stat_clear_snapshot()')
  console.log(`${what}: ${(await commits()) - a} transactions in 5 s`)
}
await sleep(3000)
await per5s('idle, listening')
const { rows } = await admin.query(`select pid from pg_stat_activity where datname = 'feed' and query like 'listen %'`)
await admin.query('select pg_terminate_backend($1)', [rows[0].pid])
await per5s('after pg_terminate_backend of its listener')
await admin.end()
cluster.restart()
admin = new pg.Client({ connectionString: cluster.url })
await admin.connect()
await sleep(1000)
await per5s('after pg_ctl restart')
child.kill('SIGINT')
await admin.end()
cluster.stop()
