// The editor's model of a template draft: roles, fields and signing spots, and what is selected.
// One field key is one field however often it is placed: its properties (font, size, required,
// date format, who fills it) live on the field, its placements are boxes, so editing one
// placement's properties edits them all. Kept free of Vue so it can be tested alone; the view
// wraps it in `reactive()`.
import type {
  Box,
  DraftInput,
  FieldKind,
  PageSize,
  RoleKind,
  SigningSpot,
  SpotKind,
  TemplateField,
  TemplateRole,
  TemplateVersion,
} from '@/api/templates'
import { clampBox, moveBox } from './geometry'

export type Selection = { type: 'field'; key: string; index: number } | { type: 'spot'; id: string } | null

/** The signing spots each kind of role offers, in palette order. */
export const SPOT_KINDS: Record<RoleKind, SpotKind[]> = {
  enterprise: ['company', 'contract', 'date', 'legal_rep'],
  person: ['name_seal', 'handwriting', 'sign_date'],
}

/** The size a spot gets when dropped, in points (a 42 mm company seal is about 119 pt). */
export const SPOT_SIZE: Record<SpotKind, { w: number; h: number }> = {
  company: { w: 119, h: 119 },
  contract: { w: 119, h: 119 },
  date: { w: 110, h: 40 },
  legal_rep: { w: 57, h: 57 },
  name_seal: { w: 72, h: 36 },
  handwriting: { w: 110, h: 50 },
  sign_date: { w: 110, h: 20 },
}

/** The size a field gets when dropped, in points. */
export const FIELD_SIZE = { w: 120, h: 20 }

export type FieldProps = Omit<TemplateField, 'key' | 'placements'>

/** A new field's properties for a palette entry of `kind`. */
export function defaultFieldProps(kind: FieldKind): FieldProps {
  return {
    kind,
    role: null,
    font: 'sans',
    size: 12,
    min_size: 7,
    required: true,
    date_format: kind === 'date' ? 'YYYY年MM月DD日' : null,
  }
}

function newId(): string {
  const c = globalThis.crypto as Crypto | undefined
  if (c && typeof c.randomUUID === 'function') return c.randomUUID()
  return `spot-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T

/** The next free role key: A, B, … Z, then R27, R28 … */
export function nextRoleKey(roles: TemplateRole[]): string {
  const used = new Set(roles.map((r) => r.key))
  for (let i = 0; i < 26; i += 1) {
    const key = String.fromCharCode(65 + i)
    if (!used.has(key)) return key
  }
  let n = 27
  while (used.has(`R${n}`)) n += 1
  return `R${n}`
}

export type VersionContent = Pick<TemplateVersion, 'pages' | 'roles' | 'fields' | 'signing'>

export class TemplateDraft {
  name = ''
  pages: PageSize[] = []
  roles: TemplateRole[] = []
  fields: TemplateField[] = []
  signing: SigningSpot[] = []
  selection: Selection = null
  saved = ''

  constructor(name: string, version: VersionContent) {
    this.reset(name, version)
  }

  /** Takes the server's copy (on load and after a save); the selection stays while it exists. */
  reset(name: string, version: VersionContent): void {
    this.name = name
    this.pages = clone(version.pages)
    this.roles = clone(version.roles)
    this.fields = clone(version.fields)
    this.signing = clone(version.signing)
    this.saved = JSON.stringify(this.payload())
    if (this.selection && !this.selectedBox()) this.selection = null
  }

  /** What `PUT …/draft` takes. */
  payload(): DraftInput {
    return { name: this.name, roles: this.roles, fields: this.fields, signing: this.signing }
  }

  /** Whether anything changed since the last load or save. */
  get dirty(): boolean {
    return JSON.stringify(this.payload()) !== this.saved
  }

  /** Takes the server's answer after a save (or marks the current state as saved). */
  markSaved(): void {
    this.saved = JSON.stringify(this.payload())
  }

  page(n: number): PageSize {
    const page = this.pages[n - 1]
    if (!page) throw new Error(`no page ${n}`)
    return page
  }

  field(key: string): TemplateField | undefined {
    return this.fields.find((f) => f.key === key)
  }

  role(key: string): TemplateRole | undefined {
    return this.roles.find((r) => r.key === key)
  }

  isPlaced(key: string): boolean {
    return (this.field(key)?.placements.length ?? 0) > 0
  }

  /** Places `key` once more (a new field with `kind`'s defaults the first time); selects it. */
  placeField(key: string, kind: FieldKind, box: Box): Selection {
    const placed = clampBox(box, this.page(box.page))
    let field = this.field(key)
    if (!field) {
      field = { key, ...defaultFieldProps(kind), placements: [] }
      this.fields.push(field)
      field = this.fields[this.fields.length - 1] as TemplateField
    }
    field.placements.push(placed)
    this.selection = { type: 'field', key, index: field.placements.length - 1 }
    return this.selection
  }

  /** Places a signing spot of `kind` for `role`; selects it. */
  placeSpot(role: string, kind: SpotKind, box: Box): string {
    const placed = clampBox(box, this.page(box.page))
    const id = newId()
    this.signing.push({ id, role, kind, ...placed })
    this.selection = { type: 'spot', id }
    return id
  }

  /** The box of the selected placement or spot. */
  selectedBox(): Box | null {
    const s = this.selection
    if (!s) return null
    if (s.type === 'field') return this.field(s.key)?.placements[s.index] ?? null
    const spot = this.signing.find((x) => x.id === s.id)
    return spot ? { page: spot.page, x: spot.x, y: spot.y, w: spot.w, h: spot.h } : null
  }

  /** Replaces the selected box (kept inside its page). */
  setSelectedBox(box: Box): void {
    const s = this.selection
    if (!s) return
    const placed = clampBox(box, this.page(box.page))
    if (s.type === 'field') {
      const field = this.field(s.key)
      if (field && field.placements[s.index]) field.placements[s.index] = placed
    } else {
      const spot = this.signing.find((x) => x.id === s.id)
      if (spot) Object.assign(spot, placed)
    }
  }

  /** Moves the selection by (dx, dy) points (arrow keys). */
  moveSelected(dx: number, dy: number): void {
    const box = this.selectedBox()
    if (box) this.setSelectedBox(moveBox(box, dx, dy, this.page(box.page)))
  }

  /** Deletes the selected placement (the field goes with its last placement) or spot. */
  removeSelected(): void {
    const s = this.selection
    if (!s) return
    if (s.type === 'field') {
      const field = this.field(s.key)
      if (field) {
        field.placements.splice(s.index, 1)
        if (field.placements.length === 0) this.fields = this.fields.filter((f) => f.key !== s.key)
      }
    } else {
      this.signing = this.signing.filter((x) => x.id !== s.id)
    }
    this.selection = null
  }

  /** Edits a field's properties: every placement of it follows. */
  updateField(key: string, patch: Partial<FieldProps>): void {
    const field = this.field(key)
    if (!field) return
    Object.assign(field, patch)
    if (patch.kind !== undefined && patch.kind !== 'date') field.date_format = null
    if (field.min_size > field.size) field.min_size = field.size
  }

  addRole(kind: RoleKind, name: string): TemplateRole {
    const role = { key: nextRoleKey(this.roles), kind, name }
    this.roles.push(role)
    return role
  }

  renameRole(key: string, name: string): void {
    const role = this.role(key)
    if (role) role.name = name
  }

  /** Removes a role with its signing spots; fields it completed go back to the launcher. */
  removeRole(key: string): void {
    this.roles = this.roles.filter((r) => r.key !== key)
    this.signing = this.signing.filter((s) => s.role !== key)
    for (const field of this.fields) if (field.role === key) field.role = null
    const s = this.selection
    if (s?.type === 'spot' && !this.signing.some((x) => x.id === s.id)) this.selection = null
  }
}

/** A box as a page of the editor draws it. */
export interface PageItem {
  id: string
  selection: NonNullable<Selection>
  box: Box
  label: string
  kind: 'field' | 'spot'
  selected: boolean
}

const sameSelection = (a: Selection, b: Selection): boolean => JSON.stringify(a) === JSON.stringify(b)

/** Everything placed on page `n`, as boxes to draw; `label` names fields and spots. */
export function pageItems(
  draft: TemplateDraft,
  n: number,
  label: { field: (key: string) => string; spot: (spot: SigningSpot) => string },
): PageItem[] {
  const items: PageItem[] = []
  for (const field of draft.fields) {
    field.placements.forEach((box, index) => {
      if (box.page !== n) return
      const selection = { type: 'field' as const, key: field.key, index }
      items.push({ id: `field-${field.key}-${index}`, selection, box, label: label.field(field.key), kind: 'field', selected: sameSelection(draft.selection, selection) })
    })
  }
  for (const spot of draft.signing) {
    if (spot.page !== n) continue
    const selection = { type: 'spot' as const, id: spot.id }
    items.push({ id: `spot-${spot.id}`, selection, box: spot, label: label.spot(spot), kind: 'spot', selected: sameSelection(draft.selection, selection) })
  }
  return items
}
