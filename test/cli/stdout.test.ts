/**
 * Where halo-admin's stdout is a pipe, a socket or a file, a command's output is written to it
 * directly, without making `process.stdout` (src/cli/stdio.ts). It must read as the stream's did:
 * every byte, in order, a reader that went away no error, and a file too.
 */
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { BIN, cliOn, tempDb } from './support/cli.js'

const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', HALO_NOW: '2026-11-24T03:00:00Z', HALO_ACTOR: 'ops-test' }

describe('stdout written directly', () => {
  it('is the same on a pipe (a socket from Node), a shell pipe and a file', async () => {
    const db = tempDb()
    const socket = await cliOn(db, ['completion', 'bash'])
    expect(socket.code).toBe(0)
    expect(socket.stdout.length).toBeGreaterThan(10_000)
    const fifo = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" --db "${db}" completion bash | cat`], { encoding: 'utf8', env })
    expect(fifo.stdout).toBe(socket.stdout)
    const file = `${db}.out`
    const toFile = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" --db "${db}" completion bash > "${file}"`], { encoding: 'utf8', env })
    expect(toFile.status).toBe(0)
    expect(readFileSync(file, 'utf8')).toBe(socket.stdout)
  })

  it('ends quietly, with the status it had, when the reader went away', async () => {
    const db = tempDb()
    expect((await cliOn(db, ['flag', 'list'])).code).toBe(0)
    for (const args of [
      ['flag', 'list'],
      ['completion', 'bash'],
    ]) {
      const child = spawn(process.execPath, [BIN, '--db', db, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
      // closed before the child writes a byte: its first write meets EPIPE
      child.stdout.destroy()
      let stderr = ''
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      const code = await new Promise((resolve) => child.on('close', resolve))
      expect({ args, code, stderr }).toEqual({ args, code: 0, stderr: '' })
    }
  })
})
