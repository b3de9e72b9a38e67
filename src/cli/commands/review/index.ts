import { Command } from 'commander'

// Being built: its commands are added here (contract §6).
export const review = new Command('review').description('(being built)')
