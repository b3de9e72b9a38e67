/**
 * The package's types as a consumer's compiler sees them: a project of its own that installs
 * halo-admin (a link to this build) and compiles test/package/fixtures/consumer-types with `tsc`
 * under `nodenext`, as ES modules and as CommonJS. The fixtures' `@ts-expect-error` lines are the
 * mistakes that must not compile (a misspelt flag key, a value of the wrong type, a refusal read as
 * an early end); tsc fails on any of them that compiles (so types that went `any` fail too), and on
 * any other line that does not.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { ensureBuilt } from '../support/fixtures.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const FIXTURES = join(ROOT, 'test', 'package', 'fixtures', 'consumer-types')
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')

/** A consumer project with halo-admin in its node_modules and the fixtures as its sources. */
function consumer(): string {
  const dir = mkdtempSync(join(tmpdir(), 'halo-consumer-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(ROOT, join(dir, 'node_modules', 'halo-admin'))
  cpSync(FIXTURES, join(dir, 'src'), { recursive: true })
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: [] },
      include: ['src'],
    }),
  )
  return dir
}

describe('the types a consumer compiles against', () => {
  beforeAll(() => void ensureBuilt(), 120_000)

  it('refuse an unknown flag key or a wrongly typed value, and narrow the HTTP answer on status', () => {
    const dir = consumer()
    const r = spawnSync(process.execPath, [TSC, '-p', dir, '--pretty', 'false'], { encoding: 'utf8', timeout: 120_000 })
    expect(r.stdout + r.stderr).toBe('')
    expect(r.status).toBe(0)
  }, 150_000)
})
