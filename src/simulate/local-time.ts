/** The UTC instant of a wall-clock time on a business day (moved to src/core: people's times use it too). */
export { localInstant } from '../core/local-time.js'
