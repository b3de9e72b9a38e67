import { Command } from 'commander'
import { reportCap } from './cap.js'
import { reportClosures } from './closures.js'

export const report = new Command('report').description('closure counts and exports, and where each mitra stands against the daily cap')
for (const c of [reportClosures, reportCap]) report.addCommand(c)
