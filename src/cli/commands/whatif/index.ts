import { Command } from 'commander'

// Being built: its commands are added here (contract §6).
export const whatif = new Command('whatif').description('(being built)')
