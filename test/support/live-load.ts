import { migrateToLatest, openDatabase } from '../../src/index.js'

/**
 * A SQLite file at `file` holding `n` live sessions (ids 1..n, all active, an hour left at `now`) of
 * 800 mitras `load-m-000`..`load-m-799`: Sesi Aktif at realistic volume (issue 11: 25,000 live).
 */
export async function seedLiveSessions(file: string, n: number, now: string): Promise<void> {
  const handle = await openDatabase(file)
  try {
    await migrateToLatest(handle)
    const ends = new Date(new Date(now).getTime() + 3_600_000).toISOString()
    await handle.write(async (trx) => {
      for (let from = 0; from < n; from += 500)
        await trx
          .insertInto('sessions')
          .values(
            Array.from({ length: Math.min(500, n - from) }, (_, k) => ({
              customer_id: `load-c-${from + k}`,
              mitra_id: `load-m-${String((from + k) % 800).padStart(3, '0')}`,
              status: 'active',
              started_at: now,
              ends_at: ends,
              grace_ends_at: null,
              closed_at: null,
            })),
          )
          .execute()
    })
  } finally {
    await handle.close()
  }
}
