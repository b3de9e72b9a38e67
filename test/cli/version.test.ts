/**
 * `--version` prints the package's version, and with `--json` (before or after it) one JSON document,
 * as every other command does.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli, ROOT } from './support/cli.js'

const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }

describe('halo-admin --version', () => {
  it('prints the version as text', async () => {
    for (const flag of ['--version', '-V']) expect(await cli([flag])).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' })
  })

  it.each([[['--version', '--json']], [['--json', '--version']], [['--json', '-V']]])('prints one JSON document with --json: %j', async (args) => {
    const r = await cli(args)
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(r.stdout)).toEqual({ version })
  })
})
