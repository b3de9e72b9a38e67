// The Halo backend's early-end route, with express, as an ES module (`import … from 'halo-admin'`).
//
//   DATABASE_URL=postgres://…/halo  PORT=3000  node server.mjs   # PostgreSQL: its own pg.Pool, schema `halo`
//   DATABASE_URL=./halo.db          PORT=3000  node server.mjs   # SQLite
//
// Prints `listening <port>` once it serves. Any number of these (and of server.cjs) may run on one
// database: the library's guarantees (the daily cap, one closure per session) hold across processes.
import express from 'express'
import pg from 'pg'
import { createClosureService, handleEndSessionRequest, migrateToLatest, openDatabase, UserType } from 'halo-admin'

const url = process.env.DATABASE_URL ?? './halo.db'
// On PostgreSQL the backend hands over its own pool, and the library keeps to its own schema beside
// the backend's tables; close() leaves the pool to the backend.
const pool = /^postgres(ql)?:/.test(url) ? new pg.Pool({ connectionString: url, max: 10 }) : null
const handle = pool ? await openDatabase(pool, { schema: process.env.HALO_SCHEMA ?? 'halo' }) : await openDatabase(url)
await migrateToLatest(handle) // idempotent, safe from every instance at once
const services = { closures: createClosureService(handle) }

const app = express()
app.use(express.json())
// Stand-in for the backend's authentication: who the mitra is never comes from the body.
app.use((req, res, next) => {
  const id = req.get('x-mitra-id')
  if (!id) return void res.status(401).json({ error: { code: 'UNAUTHENTICATED', message: 'sign in first' } })
  req.user = { id }
  next()
})

app.post('/api/mitra/chat-requests/sessions/:id/end', async (req, res) => {
  const { status, body } = await handleEndSessionRequest({ sessionId: req.params.id, actorId: req.user.id, body: req.body }, services)
  res.status(status).json(body)
})

// What the mitra app reads at start-up: show "Akhiri"? which reasons? how many left today?
app.get('/api/mitra/early-end-config', async (req, res) => {
  res.json(await services.closures.clientConfig(UserType.MITRA, req.user.id))
})

// a failed sweep is logged, never an unhandled rejection that ends the process
const sweeper = setInterval(() => services.closures.sweep().catch((e) => console.warn('sweep failed', e.message)), 30_000) // or `halo-admin sweep` from cron
const server = app.listen(Number(process.env.PORT ?? 3000), () => console.log(`listening ${server.address().port}`))

process.once('SIGTERM', () => {
  clearInterval(sweeper)
  server.close(async () => {
    await handle.close()
    await pool?.end()
  })
})
