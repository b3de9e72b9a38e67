import { Command } from 'commander'
import { dbCheck } from './check.js'
import { dbMigrate } from './migrate.js'
import { dbStatus } from './status.js'

export const db = new Command('db').description('the database: migrate it, see where it stands, check its data')
for (const c of [dbMigrate, dbStatus, dbCheck]) db.addCommand(c)
