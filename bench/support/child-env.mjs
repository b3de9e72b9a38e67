/**
 * The environment benchmarks give the processes they time: PATH, HOME, a
 * locale and no colours, plus what the bench adds. Nothing else leaks in from
 * the shell that runs the bench: a variable such as NODE_EXTRA_CA_CERTS (set
 * on some machines, this one included) makes every Node start load a
 * certificate bundle, ~40 ms that says nothing about halo-admin, and would
 * count against Node alone when it is measured against the sqlite3 shell.
 */
export function childEnv(extra = {}) {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', NO_COLOR: '1', ...extra }
}
