// The application wizard's shared state: the form being edited, the order it belongs to and the
// server's field errors, provided by ApplicationWizard to its steps.
import { inject, reactive, watch, type ComputedRef, type InjectionKey, type Ref } from 'vue'
import type { ApplicationForm, Invoice, OrderDetail, Organisation, Person, Product, Shipping } from '@/api/deskTypes'

export interface WizardContext {
  detail: Ref<OrderDetail>
  /** The form as edited (saved to the server at each step). */
  form: ApplicationForm
  /** Server messages by form-item prop (`organisation.id_number`, `materials`, `sms_code`…). */
  errors: Record<string, string>
  product: ComputedRef<Product>
  enterprise: ComputedRef<boolean>
  /** Shows a message at a form item until that field changes. */
  setError: (prop: string, message: string) => void
  clearErrors: () => void
  /** Shows an API error at its field (going to the step that has it) or as a toast. */
  handleError: (err: unknown) => void
  goTo: (step: number) => void
}

export const WIZARD_KEY: InjectionKey<WizardContext> = Symbol('wizard')

export function useWizard(): WizardContext {
  const ctx = inject(WIZARD_KEY)
  if (!ctx) throw new Error('wizard steps must be inside ApplicationWizard')
  return ctx
}

export const emptyOrganisation = (): Organisation => ({
  name: '',
  id_number: '',
  legal_rep_name: '',
  legal_rep_id_number: '',
  legal_rep_phone: '',
  unique_identifier: '',
})

export const emptyPerson = (): Person => ({ name: '', id_number: '', phone: '', email: '', address: '', department: '' })

export const emptyInvoice = (): Invoice => ({
  wanted: false,
  title: '',
  taxpayer_id: '',
  address: '',
  phone: '',
  bank: '',
  account: '',
  email: '',
})

export const emptyShipping = (): Shipping => ({ name: '', phone: '', address: '' })

/** A complete, editable copy of the server's form: every part the product needs is present. */
export function editableForm(detail: OrderDetail): ApplicationForm {
  const f = detail.form
  const enterprise = detail.product.subject_kind === 'enterprise'
  return {
    term_years: f.term_years || detail.product.settings.terms[0] || 1,
    quantity: f.quantity || detail.product.settings.min_quantity || 1,
    organisation: enterprise ? { ...emptyOrganisation(), ...(f.organisation ?? {}) } : null,
    person: prefilled({ ...emptyPerson(), ...(f.person ?? {}) }, detail),
    legal_rep_handles: enterprise ? Boolean(f.legal_rep_handles) : false,
    authorisation_grantee: f.authorisation_grantee ?? '',
    invoice: { ...emptyInvoice(), ...(f.invoice ?? {}) },
    shipping: { ...emptyShipping(), ...(f.shipping ?? {}) },
    materials: { ...(f.materials ?? {}) },
  }
}

/** The applicant's own name, phone and e-mail in the fields still empty (a new applicant
 * usually applies for themselves, or handles for their organisation). */
function prefilled(person: Person, detail: OrderDetail): Person {
  const own = detail.account_contact
  if (!own) return person
  return {
    ...person,
    name: person.name || own.name,
    phone: person.phone || own.phone,
    email: person.email || own.email,
  }
}

/** Reads `a.b.c` from an object. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string, unknown>)[key]
  }
  return cur
}

/** Field errors keyed by form-item prop, each cleared when its field changes. */
export function useFieldErrors(form: object) {
  const errors = reactive<Record<string, string>>({})
  const stops = new Map<string, () => void>()

  function setError(prop: string, message: string): void {
    errors[prop] = message
    stops.get(prop)?.()
    const stop = watch(
      () => JSON.stringify(getPath(form, prop) ?? null),
      () => {
        errors[prop] = ''
        stops.get(prop)?.()
        stops.delete(prop)
      },
    )
    stops.set(prop, stop)
  }

  function clearErrors(): void {
    for (const key of Object.keys(errors)) errors[key] = ''
    for (const stop of stops.values()) stop()
    stops.clear()
  }

  return { errors, setError, clearErrors }
}

/** Which step a resumed order opens at: the first one that still needs something. */
export function resumeStep(detail: OrderDetail): number {
  const f = detail.form
  const s = detail.product.settings
  if (!f.person || !f.person.name) return f.person ? 1 : 0
  if (detail.product.subject_kind === 'enterprise' && !f.organisation?.name) return 1
  const missing = s.materials.some(
    (m) => (m.required || (m.kind === 'seal_image' && s.seal_image === 'required')) && !f.materials?.[m.kind],
  )
  if (missing) return 2
  if (detail.needs_shipping && (!f.shipping?.name || !f.shipping?.address)) return 3
  return 4
}
