/**
 * Ink decides at import time, through `is-in-ci`, that a process with `CI` or
 * `CONTINUOUS_INTEGRATION` set is not interactive: it then draws nothing until
 * it exits, and a person at a real terminal (a CI debug shell, a build box)
 * stares at a blank screen. The TUI only ever runs on a TTY (`runTui` refuses
 * otherwise), so it is interactive whatever the environment says. This module
 * must be imported before ink; `run-tui.tsx` imports it first.
 */
for (const name of ['CI', 'CONTINUOUS_INTEGRATION']) delete process.env[name]
