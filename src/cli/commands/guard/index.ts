import { Command } from 'commander'
import { guardStatus } from './status.js'

export const guard = new Command('guard').description('the guard: thresholds that switch early_end_mitra_enabled off by themselves')
guard.addCommand(guardStatus)
