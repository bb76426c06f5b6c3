// Pure helpers for the certificate lifecycle pages: status colours, revocation reasons, key
// agent error codes, base64 of a challenge text.
import type { HeldStatus } from '@/api/lifecycle'

/** The renewal window: a certificate can be renewed in its last 30 days. */
export const RENEWAL_WINDOW_DAYS = 30

/** The revocation reasons the holder may pick (server codes). */
export const REVOKE_REASONS = ['key-compromise', 'affiliation-changed', 'superseded', 'cessation-of-operation'] as const
export type RevokeReason = (typeof REVOKE_REASONS)[number]

/** Element Plus tag type of a certificate status. */
export function heldStatusType(status: HeldStatus | string): 'success' | 'info' | 'danger' | 'warning' {
  switch (status) {
    case 'active':
      return 'success'
    case 'revoked':
      return 'danger'
    case 'expired':
      return 'info'
    default:
      return 'warning'
  }
}

/** Colour of the days-left figure: red inside the renewal window, orange in the one after. */
export function daysLeftType(days: number): 'danger' | 'warning' | '' {
  if (days <= RENEWAL_WINDOW_DAYS) return 'danger'
  if (days <= RENEWAL_WINDOW_DAYS * 2) return 'warning'
  return ''
}

/** A PIN the agent accepts for a new user PIN: 1–8 digits. */
export function isValidNewPin(pin: string): boolean {
  return /^\d{1,8}$/.test(pin)
}

/** The agent's error codes that have their own message key (`lifecycle.agent.errors.*`). */
const AGENT_ERROR_KEYS: Record<string, string> = {
  'token.pin_incorrect': 'pinIncorrect',
  'token.pin_locked': 'pinLocked',
  'token.pin_length': 'pinLength',
  'token.pin_rule': 'pinLength',
  'token.pin_invalid': 'pinLength',
  'token.not_found': 'tokenNotFound',
  'token.removed': 'tokenNotFound',
  'token.so_pin_incorrect': 'soPinIncorrect',
  'token.so_pin_locked': 'pinLocked',
  'token.key_not_found': 'keyNotFound',
  'agent.unreachable': 'unreachable',
  'agent.pin_throttled': 'pinThrottled',
  'agent.pin_final_try': 'pinFinalTry',
  'agent.challenge_refused': 'challengeRefused',
  'agent.no_redeemer': 'noRedeemer',
  'agent.unlock_code_refused': 'unlockCodeRefused',
  'agent.platform_unreachable': 'platformUnreachable',
  'agent.unlock_unconfirmed': 'unlockUnconfirmed',
}

/** The message key for an agent error code (`generic` for the rest). */
export function agentErrorKey(code: string | null | undefined): string {
  return (code && AGENT_ERROR_KEYS[code]) || 'generic'
}

/** base64 of a text's UTF-8 bytes (what the agent signs for a challenge). */
export function utf8ToBase64(text: string): string {
  const bytes = new TextEncoder().encode(text)
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary)
}

/**
 * A certificate serial in the platform's one canonical form (the server's `CertificateSerial`):
 * lower-case hex of the positive DER integer, `01ab`, `00ff`. Accepts `0x`, `:` or spaces, any
 * case, leading zeros; null when the text is no serial.
 */
export function parseSerial(text: string): string | null {
  const digits = text.trim().replace(/^0x/i, '').replace(/[: ]/g, '').toLowerCase()
  if (!/^[0-9a-f]+$/.test(digits)) return null
  const significant = digits.replace(/^0+/, '')
  if (significant === '') return null
  const even = significant.length % 2 === 1 ? `0${significant}` : significant
  return /^[89a-f]/.test(even) ? `00${even}` : even
}

/** The user-facing text of a key-agent error (`{code, message}`), through `t`. */
export function agentErrorText(t: (key: string, named?: Record<string, unknown>) => string, err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : null
  const message = err instanceof Error ? err.message : String(err)
  return t(`lifecycle.agent.errors.${agentErrorKey(code)}`, { message })
}
