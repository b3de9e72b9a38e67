import { Command } from 'commander'

// Being built: its commands are added here (contract §6).
export const report = new Command('report').description('(being built)')
