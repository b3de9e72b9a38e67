import { Command } from 'commander'

// Being built (contract §6).
export const simulate = new Command('simulate').description('(being built)')
