import { Command } from 'commander'
import { reviewList } from './list.js'
import { reviewShow } from './show.js'
import { reviewResolve } from './resolve.js'

export const review = new Command('review').description('the control-centre reviews the daily cap opens: list them, show one, resolve them')
for (const c of [reviewList, reviewShow, reviewResolve]) review.addCommand(c)
