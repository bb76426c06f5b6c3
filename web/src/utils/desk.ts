// Pure helpers of the registration desk pages: money, time, order states and where a server
// field error belongs in the application wizard.
import type { HistoryEntry, OrderAction, OrderState, SubjectKind, VerificationView } from '@/api/deskTypes'

/** Integer fen as yuan with two decimals: 30000 → "300.00" (no floating point). */
export function formatFen(fen: number): string {
  if (!Number.isFinite(fen)) return '0.00'
  const n = Math.round(fen)
  const sign = n < 0 ? '-' : ''
  const abs = Math.abs(n)
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

/** Price of an order in fen, as the server computes it. */
export function orderPriceFen(unitPriceFen: number, termYears: number, quantity: number): number {
  return unitPriceFen * termYears * quantity
}

const TIME_ZONE = 'Asia/Shanghai'

function parts(ts: number): Record<string, string> {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  })
  return Object.fromEntries(format.formatToParts(new Date(ts * 1000)).map((p) => [p.type, p.value]))
}

/** Unix seconds as China time `YYYY-MM-DD HH:mm` (empty for missing values). */
export function formatTime(ts: number | null | undefined): string {
  if (ts === null || ts === undefined || !Number.isFinite(ts)) return ''
  const p = parts(ts)
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`
}

/** Unix seconds as China date `YYYY-MM-DD`. */
export function formatDate(ts: number | null | undefined): string {
  return formatTime(ts).slice(0, 10)
}

/** States a finished order is in (the "已完成" tab). */
export const FINISHED_STATES: readonly OrderState[] = ['completed', 'cancelled', 'refunded']

export type TagType = 'primary' | 'success' | 'warning' | 'info' | 'danger'

/** The colour of an order state's tag. */
export function stateTagType(state: OrderState): TagType {
  switch (state) {
    case 'completed':
      return 'success'
    case 'rejected':
      return 'danger'
    case 'drafting':
    case 'cancelled':
    case 'refunded':
      return 'info'
    case 'awaiting_payment':
    case 'verifying':
      return 'warning'
    default:
      return 'primary'
  }
}

/**
 * Whether the server offers `action` on this order or certificate (its `allowed_actions`, computed
 * from the state machine and the product's guards).
 */
export function allows<A extends string = OrderAction>(subject: { allowed_actions?: readonly A[] }, action: A): boolean {
  return subject.allowed_actions?.includes(action) ?? false
}

/**
 * A history row in the reader's language: the i18n key `desk.history.<code>` filled with the
 * row's parameters (amounts as yuan, lists joined); rows older than codes, and codes this build
 * does not know, show the server's text.
 */
export function historyText(
  t: (key: string, named?: Record<string, unknown>) => string,
  has: (key: string) => boolean,
  entry: Pick<HistoryEntry, 'code' | 'params' | 'note'>,
): string {
  const params = entry.params ?? {}
  if (entry.code === 'note') return typeof params.text === 'string' ? params.text : entry.note
  const key = `desk.history.${entry.code}`
  if (!has(key)) return entry.note
  const named: Record<string, unknown> = { ...params }
  for (const [name, value] of Object.entries(params)) {
    if (Array.isArray(value)) named[name] = value.join(', ')
  }
  if (typeof params.amount_fen === 'number') named.amount = formatFen(params.amount_fen)
  // `wechat` reads as 微信支付 / WeChat Pay.
  if (typeof params.channel === 'string' && has(`desk.channelName.${params.channel}`)) {
    named.channel = t(`desk.channelName.${params.channel}`)
  }
  const flagged = entry.code === 'submitted' && Array.isArray(params.flags) && params.flags.length > 0
  if (flagged) {
    named.flags = (params.flags as unknown[]).map((f) => flagText(t, has, String(f))).join(t('desk.flagSeparator'))
  }
  return t(flagged ? `${key}Flagged` : key, named)
}

/**
 * A reviewer's flag in the reader's language: the code `desk.flag.<code>`, a party's check as
 * `<code>:<party>`; flags stored before codes (Chinese sentences) and unknown codes as they are.
 */
export function flagText(
  t: (key: string, named?: Record<string, unknown>) => string,
  has: (key: string) => boolean,
  flag: string,
): string {
  const [code = '', party] = flag.split(':')
  const key = `desk.flag.${code}`
  if (!has(key)) return flag
  if (party === undefined) return t(key)
  const partyKey = `desk.partyShort.${party}`
  return has(partyKey) ? t(key, { party: t(partyKey) }) : flag
}

/**
 * An identity check's result in the reader's language: the i18n key `desk.checkDetail.<code>`
 * filled with its parameters; results older than codes, and codes this build does not know,
 * show the server's (Chinese) sentence.
 */
export function checkDetailText(
  t: (key: string, named?: Record<string, unknown>) => string,
  has: (key: string) => boolean,
  check: Pick<VerificationView, 'detail' | 'detail_code' | 'detail_params'>,
): string {
  const key = `desk.checkDetail.${check.detail_code}`
  if (check.detail_code === 'note' || !has(key)) return check.detail
  return t(key, { ...(check.detail_params ?? {}) })
}

/** The wizard's steps, in order. */
export const WIZARD_STEPS = ['goods', 'applicant', 'materials', 'delivery', 'confirm'] as const
export type WizardStep = (typeof WIZARD_STEPS)[number]

export interface FieldLocation {
  /** Index into WIZARD_STEPS. */
  step: number
  /** The `el-form-item` prop that shows the message. */
  prop: string
}

const step = (name: WizardStep): number => WIZARD_STEPS.indexOf(name)

/** The form item a group-level server field (`organisation`, `shipping`…) is shown on. */
const GROUP_FIRST: Record<string, string> = {
  organisation: 'organisation.name',
  person: 'person.name',
  invoice: 'invoice.title',
  shipping: 'shipping.name',
}

/**
 * Where the wizard shows a problem's `field` (e.g. `organisation.id_number`, `materials`,
 * `sms_code`): the step to go back to and the form item; null when no item fits (the message is
 * then shown as a toast).
 */
export function fieldLocation(field: string | null | undefined, subject: SubjectKind): FieldLocation | null {
  if (!field) return null
  const root = field.split('.')[0] ?? field
  switch (root) {
    case 'term_years':
    case 'quantity':
      return { step: step('goods'), prop: root }
    case 'id_number':
      // "One open order per ID number": the subject's identifier.
      return {
        step: step('applicant'),
        prop: subject === 'enterprise' ? 'organisation.id_number' : 'person.id_number',
      }
    case 'organisation':
    case 'person':
      return { step: step('applicant'), prop: field === root ? (GROUP_FIRST[root] as string) : field }
    case 'legal_rep_handles':
      return { step: step('applicant'), prop: root }
    case 'materials':
    case 'file':
    case 'kind':
    case 'seal_image':
      return { step: step('materials'), prop: 'materials' }
    case 'authorisation_grantee':
      return { step: step('materials'), prop: root }
    case 'invoice':
    case 'shipping':
      return { step: step('delivery'), prop: field === root ? (GROUP_FIRST[root] as string) : field }
    case 'sms_code':
    case 'code':
      return { step: step('confirm'), prop: 'sms_code' }
    case 'legal_rep_code':
      return { step: step('confirm'), prop: 'legal_rep_code' }
    case 'agree':
      return { step: step('confirm'), prop: 'agree' }
    default:
      return null
  }
}

/** Bytes as "2 MB" / "512 KB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) {
    const mb = bytes / (1024 * 1024)
    return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB`
  }
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`
  return `${bytes} B`
}

/** An absolute URL for a server path (QR codes are scanned by another device). */
export function absoluteUrl(path: string): string {
  if (/^https?:\/\//.test(path)) return path
  const origin = typeof window === 'undefined' ? '' : window.location.origin
  return `${origin}${path.startsWith('/') ? '' : '/'}${path}`
}
