// The same route without a framework, as CommonJS (`require('halo-admin')`), on node:http: the
// core is framework-free, so this is all a server needs around it.
//
//   DATABASE_URL=… PORT=3001 node server.cjs
'use strict'
const http = require('node:http')
const { createClosureService, handleEndSessionRequest, migrateToLatest, openDatabase } = require('halo-admin')

const ROUTE = /^\/api\/mitra\/chat-requests\/sessions\/([^/]+)\/end$/

async function main() {
  // A URL of its own here (the library makes and ends the pool); `?schema=` as Prisma URLs write it.
  const url = process.env.DATABASE_URL ?? './halo.db'
  const schema = process.env.HALO_SCHEMA ?? 'halo'
  const handle = await openDatabase(/^postgres(ql)?:/.test(url) ? withSchema(url, schema) : url)
  await migrateToLatest(handle)
  const services = { closures: createClosureService(handle) }

  const server = http.createServer((req, res) => {
    const send = (status, body) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    serve(req, send, services).catch((e) => {
      console.error(e) // a bug, not a refusal: the core answers every HaloError itself
      send(500, { error: { code: 'INTERNAL', message: 'internal error' } })
    })
  })
  server.listen(Number(process.env.PORT ?? 3001), () => console.log(`listening ${server.address().port}`))
  process.once('SIGTERM', () => server.close(() => void handle.close()))
}

async function serve(req, send, services) {
  const route = req.method === 'POST' ? ROUTE.exec(new URL(req.url, 'http://x').pathname) : null
  if (!route) return send(404, { error: { code: 'NOT_FOUND', message: 'no such route' } })
  const actorId = req.headers['x-mitra-id'] // stand-in for the backend's authentication
  if (!actorId) return send(401, { error: { code: 'UNAUTHENTICATED', message: 'sign in first' } })
  let text = ''
  for await (const chunk of req) text += chunk
  let body
  try {
    body = text === '' ? undefined : JSON.parse(text)
  } catch {
    body = text // not JSON: the core answers 422, as for any body that is not an object
  }
  const { status, body: answer } = await handleEndSessionRequest({ sessionId: route[1], actorId, body }, services)
  send(status, answer)
}

function withSchema(url, schema) {
  const u = new URL(url)
  if (!u.searchParams.has('schema')) u.searchParams.set('schema', schema)
  return u.toString()
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
