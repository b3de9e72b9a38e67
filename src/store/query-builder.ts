/**
 * kysely, loaded on first need. Importing it costs ~100 ms (hundreds of ES
 * modules), as long as a whole `halo-admin flag get`; the engines build their
 * query builder from here, and `openDatabase` loads it up front unless asked
 * to wait (`OpenOptions.lazy`).
 */
type KyselyModule = typeof import('kysely')

let loaded: KyselyModule | undefined

export async function loadQueryBuilder(): Promise<KyselyModule> {
  loaded ??= await import('kysely')
  return loaded
}

/** Whether `loadQueryBuilder()` has resolved: a hot path skips awaiting it again. */
export function queryBuilderLoaded(): boolean {
  return loaded !== undefined
}

/** The loaded module; only call after `loadQueryBuilder()` resolved. */
export function queryBuilder(): KyselyModule {
  if (loaded === undefined) throw new Error('kysely is not loaded yet: await loadQueryBuilder() first')
  return loaded
}
