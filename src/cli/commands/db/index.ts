import { Command } from 'commander'
import { dbCheck } from './check.js'
import { dbMigrate } from './migrate.js'
import { dbRoles } from './roles.js'
import { dbStatus } from './status.js'

export const db = new Command('db').description('the database: migrate it, see where it stands, check its data, its roles')
for (const c of [dbMigrate, dbStatus, dbCheck, dbRoles]) db.addCommand(c)
