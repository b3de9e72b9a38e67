import { Command } from 'commander'

// Being built (contract §6).
export const completion = new Command('completion').description('(being built)')
