import { Command } from 'commander'
import { whatifCap } from './cap.js'
import { whatifRollout } from './rollout.js'

export const whatif = new Command('whatif').description('replay recorded data against proposed flags; writes nothing')
whatif.addCommand(whatifCap)
whatif.addCommand(whatifRollout)
