import { Command } from 'commander'
import { sessionEnd } from './end.js'
import { sessionGoodbye } from './goodbye.js'
import { sessionList } from './list.js'
import { sessionOpen } from './open.js'
import { sessionShow } from './show.js'

export const session = new Command('session').description('open, list, show and end sessions early, and post goodbyes while they close')
for (const c of [sessionOpen, sessionList, sessionShow, sessionEnd, sessionGoodbye]) session.addCommand(c)
