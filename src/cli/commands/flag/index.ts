import { Command } from 'commander'
import { flagGet } from './get.js'
import { flagHistory } from './history.js'
import { flagList } from './list.js'
import { flagReset } from './reset.js'
import { flagSet } from './set.js'

export const flag = new Command('flag').description('read and change the config flags; every change is audited')
for (const c of [flagList, flagGet, flagSet, flagReset, flagHistory]) flag.addCommand(c)
