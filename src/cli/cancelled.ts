/** Thrown when the person at the terminal chose `Batal` (or pressed Ctrl-C) at a prompt: exit 130, nothing changed. */
export class Cancelled extends Error {
  constructor(message = 'cancelled at the prompt; nothing changed') {
    super(message)
    this.name = 'Cancelled'
  }
}
