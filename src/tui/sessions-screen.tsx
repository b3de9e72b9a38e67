import { useRemembered } from './screen-memory.js'
import { SessionDetailView } from './session-detail.js'
import { SessionList } from './session-list.js'

/**
 * Sesi Aktif: the live sessions (session-list.tsx); Enter opens one
 * (session-detail.tsx), whose action ends it as support
 * (end-session-flow.tsx). The open session, the filter, the cursor and the
 * scroll are kept while another screen is shown.
 */
export function SessionsScreen() {
  const [open, setOpen] = useRemembered<number | null>('sessions.open', null)
  if (open !== null) return <SessionDetailView id={open} onClose={() => setOpen(null)} />
  return <SessionList onOpen={setOpen} />
}
