import { Command } from 'commander'
import { reviewList } from './list.js'
import { reviewResolve } from './resolve.js'

export const review = new Command('review').description('the control-centre reviews the daily cap opens: list them, resolve them')
for (const c of [reviewList, reviewResolve]) review.addCommand(c)
