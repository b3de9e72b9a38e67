import { Command } from 'commander'

// Being built (contract §6).
export const demo = new Command('demo').description('(being built)')
