import { useInput, useStdin } from 'ink'
import { createContext, useCallback, useContext, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import { keysOf, type Key } from './keys.js'

/**
 * What a handler did with a key:
 * - `ignored` (or nothing returned): not this layer's key; the layers below get it (a modal layer drops it);
 * - `handled`: used, and nothing opened or closed (a cursor move, a letter typed, a stray key a dialog
 *   swallows): the next key of a burst follows at once;
 * - `changed`: used, and it opened, closed or switched something, or changed the rows under the cursor:
 *   the next key waits until the screen has been redrawn, so it reaches what this key opened.
 */
export type KeyResult = 'ignored' | 'handled' | 'changed'

/** Handles a key, reading the newest state (see `KeyResult`). */
export type KeyHandler = (key: Key) => KeyResult | void

interface Layer {
  readonly order: number
  handler: { current: KeyHandler }
  /** Keys the layer answers before it is ready. */
  early: { current: ((key: Key) => boolean) | undefined }
  active: boolean
  modal: boolean
  ready: boolean
}

interface Router {
  add(layer: Layer): () => void
  /** A layer's `active` or `modal` changed. */
  changed(): void
  /** A layer became ready: keys that waited for it go on. */
  resume(): void
}

/** How long keys wait for a screen to show its first data before they reach what is there anyway. */
const WAIT_MS = 1500

const RouterContext = createContext<Router | null>(null)
const ModalContext = createContext(false)
let nextOrder = 0

/**
 * The one place keys come in (the TUI's key policy, contract §7):
 *
 * - Every key counts, in order. ink hands keys typed faster than it reads as
 *   one string (`"jjj"`, `"\r21"`); they are split (keys.ts) and queued.
 *   Keys that only move or type are applied one after another at once (the
 *   handlers read their newest state from refs); after a key that opens,
 *   closes or switches something, the rest wait until the screen has been
 *   redrawn, so Enter then `2` reaches the dialog Enter opened, never the
 *   list under it.
 * - Layers: each component that takes keys adds one with `useKeys`. A key goes
 *   to the newest layer first (a dialog is mounted after the screen that
 *   opened it); a layer that uses it, or a `modal` one (a dialog, a text
 *   field), keeps it from the layers below, down to the shell's own keys.
 */
export function KeyRouter({ children }: { children: ReactNode }) {
  const layers = useRef<Layer[]>([])
  const queue = useRef<Key[]>([])
  // a key changed what takes keys, and the redraw for it has not been committed yet
  const waiting = useRef(false)
  const resuming = useRef(false)
  const [changes, setChanges] = useState(0)
  const { internal_eventEmitter: events } = useStdin()

  // a key reached a layer still loading what it shows: it and the keys after it wait for it, up to WAIT_MS
  const blocked = useRef(false)
  const impatient = useRef(false)

  const dispatch = useCallback((key: Key): KeyResult | 'wait' => {
    const stack = layers.current.filter((l) => l.active).sort((a, b) => b.order - a.order)
    for (const layer of stack) {
      if (!layer.ready && !impatient.current && layer.early.current?.(key) !== true) return 'wait'
      const result = layer.handler.current(key) ?? 'ignored'
      if (result !== 'ignored') return result
      if (layer.modal) return 'handled'
    }
    return 'ignored'
  }, [])

  // Once the redraw for a `changed` key is committed (every layer of that render in place), the rest of
  // the burst goes on, through ink's input path as typed keys do, so its changes are drawn as one frame.
  const resume = useCallback(() => {
    if (queue.current.length === 0) return
    setImmediate(() => {
      resuming.current = true
      try {
        events.emit('input', '')
      } finally {
        resuming.current = false
      }
    })
  }, [events])
  const drain = useCallback(() => {
    while (!waiting.current && !blocked.current && queue.current.length > 0) {
      const key = queue.current.shift()!
      const result = dispatch(key)
      if (result === 'wait') {
        queue.current.unshift(key)
        blocked.current = true
        // a screen that never loads (a database that hangs) must not hold `q` forever
        setTimeout(() => {
          if (!blocked.current) return
          blocked.current = false
          impatient.current = true
          resume()
        }, WAIT_MS)
      } else if (result === 'changed') {
        waiting.current = true
        // last, so the commit that runs the effect below holds every change the key made
        setChanges((n) => n + 1)
      }
    }
    if (queue.current.length === 0) impatient.current = false
  }, [dispatch, resume])

  useLayoutEffect(() => {
    if (!waiting.current) return
    waiting.current = false
    resume()
  }, [changes, resume])

  useInput(
    useCallback(
      (input: string, key: Parameters<Parameters<typeof useInput>[0]>[1]) => {
        if (!resuming.current) queue.current.push(...keysOf(input, key))
        drain()
      },
      [drain],
    ),
  )

  // whether a dialog or a text field has the keys: the footer then says Esc, not the shell's keys
  const [modal, setModal] = useState(false)
  const router = useMemo<Router>(
    () => ({
      add(layer) {
        layers.current.push(layer)
        setModal(layers.current.some((l) => l.active && l.modal))
        return () => {
          layers.current = layers.current.filter((l) => l !== layer)
          setModal(layers.current.some((l) => l.active && l.modal))
        }
      },
      changed() {
        setModal(layers.current.some((l) => l.active && l.modal))
      },
      resume() {
        if (!blocked.current) return
        blocked.current = false
        resume()
      },
    }),
    [resume],
  )
  return (
    <RouterContext.Provider value={router}>
      <ModalContext.Provider value={modal}>{children}</ModalContext.Provider>
    </RouterContext.Provider>
  )
}

/** True while a modal layer (a dialog, a text field) takes the keys. */
export function useModalOpen(): boolean {
  return useContext(ModalContext)
}

/**
 * Takes keys while `active`. While an active layer is not `ready` (its
 * screen still loads what it shows), keys wait for it instead of falling
 * through to the layers below, but for those `early` says it answers already
 * (a cursor move within the first screenful of a list still loading the rest). Keys of a burst that only move or type reach
 * the handler before the screen is redrawn: it reads what it changes from
 * refs (the cursor, the text), not from this render's state.
 *
 * ```tsx
 * useKeys((key) => (key.name === 'escape' ? (close(), 'changed') : 'ignored'), { modal: true })
 * ```
 */
export function useKeys(handler: KeyHandler, options: { active?: boolean; modal?: boolean; ready?: boolean; early?: (key: Key) => boolean } = {}): void {
  const router = useContext(RouterContext)
  if (router === null) throw new Error('useKeys() must be used inside <KeyRouter>')
  const [order] = useState(() => nextOrder++)
  const handlerRef = useRef(handler)
  const earlyRef = useRef(options.early)
  const layer = useRef<Layer | null>(null)
  const active = options.active ?? true
  const modal = options.modal ?? false
  const ready = options.ready ?? true
  // layout effects: a dialog's layer is in place as soon as it is drawn, before the next key
  useLayoutEffect(() => {
    handlerRef.current = handler
    earlyRef.current = options.early
    if (layer.current !== null) {
      const moved = layer.current.active !== active || layer.current.modal !== modal
      layer.current.active = active
      layer.current.modal = modal
      if (moved) router.changed()
      const nowReady = !layer.current.ready && ready
      layer.current.ready = ready
      if (nowReady) router.resume()
    }
  })
  useLayoutEffect(() => {
    const l: Layer = { order, handler: handlerRef, early: earlyRef, active, modal, ready }
    layer.current = l
    const remove = router.add(l)
    return () => {
      layer.current = null
      remove()
    }
    // the layer lives as long as the component; its handler and flags are updated above
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [router, order])
}
