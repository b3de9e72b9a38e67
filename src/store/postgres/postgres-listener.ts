import type pg from 'pg'
import type { EventListener } from '../engine.js'

/**
 * LISTEN on `halo_admin_events:<schema>` (what migration 0005's trigger NOTIFYs at each commit) on a
 * connection of the pool held for the listener's life; a lost connection ends its waits at once, and
 * the follower then polls (its reads still fence correctly).
 */
export async function listenForEvents(connect: () => Promise<pg.PoolClient>, schema: string | null): Promise<EventListener | null> {
  const client = await connect()
  const listening = schema ?? (await client.query<{ s: string }>('select current_schema() as s')).rows[0]!.s
  const channel = `halo_admin_events:${listening}`
  await client.query(`listen "${channel.replaceAll('"', '""')}"`)
  let wake: (() => void) | null = null
  let closed = false
  const onNotify = (n: pg.Notification) => {
    if (n.channel === channel) wake?.()
  }
  const onEnd = () => {
    closed = true
    wake?.()
  }
  client.on('notification', onNotify)
  client.on('error', onEnd)
  client.on('end', onEnd)
  return {
    next: (timeoutMs, signal) =>
      new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve()
        const done = () => {
          clearTimeout(timer)
          signal?.removeEventListener('abort', done)
          wake = null
          resolve()
        }
        const timer = setTimeout(done, closed ? 0 : timeoutMs)
        wake = done
        signal?.addEventListener('abort', done)
      }),
    close: async () => {
      client.off('notification', onNotify)
      if (closed) return client.release(true)
      closed = true
      await client.query(`unlisten *`).catch(() => {})
      client.release()
    },
  }
}
