import type { Actor, WorkOrder } from './work-order'

/**
 * A phone number masked for display: `138****5678`; landlines keep their area code and last 4.
 *
 * @example maskPhone('13812345678') // '138****5678'
 */
export function maskPhone(phone: string | null): string | null {
  if (!phone) return phone
  const digits = phone.replace(/\D/g, '')
  if (digits.length < 7) return '****'
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`
}

/**
 * An ID number masked for display: first 4 and last 4 characters kept.
 *
 * @example maskIdNumber('360102199001011234') // '3601**********1234'
 */
export function maskIdNumber(id: string | null): string | null {
  if (!id) return id
  return `${id.slice(0, 4)}${'*'.repeat(Math.max(0, id.length - 8))}${id.slice(-4)}`
}

/**
 * How much of the citizen's identity a staff member may see on a case (CONTRACT.md section 3):
 * `none` (reporters; the handling unit on a 保密 case), `masked` (the default), and whether they
 * may reveal the full number for a call (dispatchers, and the handling unit unless 保密).
 *
 * @example identityAccess(order, caseworker) // { see: 'masked', mayReveal: true }
 */
export function identityAccess(
  order: Pick<WorkOrder, 'unitId' | 'confidential'>,
  actor: Actor,
): { see: 'none' | 'masked'; mayReveal: boolean } {
  if (actor.role === 'reporter' || actor.role === 'citizen') return { see: 'none', mayReveal: false }
  if (actor.role === 'caseworker') {
    if (order.confidential) return { see: 'none', mayReveal: false }
    return { see: 'masked', mayReveal: actor.unitId !== null && actor.unitId === order.unitId }
  }
  return { see: 'masked', mayReveal: actor.role === 'dispatcher' }
}
