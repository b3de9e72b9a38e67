import { Command } from 'commander'

// Being built: its commands are added here (contract §6).
export const session = new Command('session').description('(being built)')
