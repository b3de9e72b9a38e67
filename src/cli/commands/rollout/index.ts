import { Command } from 'commander'
import { rolloutAdd } from './add.js'
import { rolloutList } from './list.js'
import { rolloutRemove } from './remove.js'

export const rollout = new Command('rollout').description(
  'the staged rollout: mitras always in (or never in) whatever early_end_mitra_rollout_percent says; every change is audited',
)
for (const c of [rolloutList, rolloutAdd, rolloutRemove]) rollout.addCommand(c)
