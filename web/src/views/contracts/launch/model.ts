// 发起页的模型：所选模板的签署角色合并为签署方列表（同一角色键只出现一次），
// 以及由签署方列表生成单份发起与批量发起的请求体。
import type { Contact } from '@/api/contacts'
import type { BulkParty, LaunchParty, LaunchTemplate } from '@/api/launch'
import type { RidingSeal } from '@/api/tasks'

/** 从常用联系人选入的签署方：发起时只传 contact_id，手机号由服务器补全。 */
export interface PickedContact {
  id: string
  name: string
  /** 脱敏手机号（个人）或空（企业）。 */
  detail: string
  enterprise_id: string | null
}

export interface PartyRow {
  role: string
  kind: 'enterprise' | 'person'
  name: string
  /** 单份发起时个人签署方的手机号。 */
  phone: string
  group: number
  may_refuse: boolean
  /** 企业签署方的骑缝章（null：不加盖）。 */
  riding_seal: RidingSeal | null
  /** 选入的常用联系人（null：个人填手机号，企业为本企业）。 */
  contact: PickedContact | null
}

/** The roles of the chosen templates, each key once, persons first (they usually sign first). */
export function partyRows(chosen: LaunchTemplate[], previous: PartyRow[]): PartyRow[] {
  const rows: PartyRow[] = []
  for (const template of chosen) {
    for (const role of template.roles) {
      if (rows.some((r) => r.role === role.key)) continue
      const kept = previous.find((p) => p.role === role.key && p.kind === role.kind)
      rows.push(
        kept ?? {
          role: role.key,
          kind: role.kind === 'enterprise' ? 'enterprise' : 'person',
          name: role.name,
          phone: '',
          group: 1,
          may_refuse: role.kind === 'person',
          riding_seal: null,
          contact: null,
        },
      )
    }
  }
  const kept = previous.map((p) => p.role)
  const rank = (r: PartyRow): number => {
    const i = kept.indexOf(r.role)
    return i >= 0 ? i : kept.length + (r.kind === 'person' ? 0 : 1)
  }
  return rows.sort((a, b) => rank(a) - rank(b))
}

/** Whether the row's enterprise is the launching one (only its seals can ride). */
export function ownEnterprise(row: PartyRow, enterprise: string): boolean {
  return row.kind === 'enterprise' && (row.contact === null || row.contact.enterprise_id === enterprise)
}

/** A party of a single launch: a picked contact by id; else enterprise roles are this
 * enterprise, persons by phone. */
export function launchParties(rows: PartyRow[], enterprise: string, groups: boolean): LaunchParty[] {
  return rows.map((r) => ({
    role: r.role,
    kind: r.kind,
    contact_id: r.contact?.id ?? null,
    enterprise_id: r.kind === 'enterprise' && !r.contact ? enterprise : null,
    phone: r.kind === 'person' && !r.contact ? r.phone.trim() : null,
    group: groups ? r.group : null,
    may_refuse: r.may_refuse,
    riding_seal: ownEnterprise(r, enterprise) ? r.riding_seal : null,
  }))
}

/** A contact as a party row shows it. */
export function picked(contact: Contact): PickedContact {
  return {
    id: contact.id,
    name: contact.name,
    detail: contact.phone_masked ?? '',
    enterprise_id: contact.enterprise_id ?? null,
  }
}

/**
 * Places picked contacts into the party rows: each into the first row of its kind that has no
 * contact yet (a person row also no typed phone). A contact already placed is skipped; the ones
 * with no free row are returned.
 */
export function placeContacts(rows: PartyRow[], chosen: Contact[]): { rows: PartyRow[]; unplaced: Contact[] } {
  const next = rows.map((r) => ({ ...r }))
  const unplaced: Contact[] = []
  for (const contact of chosen) {
    if (next.some((r) => r.contact?.id === contact.id)) continue
    const free = next.find(
      (r) => r.kind === contact.kind && r.contact === null && (r.kind === 'enterprise' || r.phone.trim() === ''),
    )
    if (!free) {
      unplaced.push(contact)
      continue
    }
    free.contact = picked(contact)
  }
  return { rows: next, unplaced }
}

/** The parties of a bulk launch: persons come from each row's mobile column. */
export function bulkParties(rows: PartyRow[], enterprise: string, groups: boolean): BulkParty[] {
  return rows.map((r) => ({
    role: r.role,
    enterprise_id: r.kind === 'enterprise' ? (r.contact?.enterprise_id ?? enterprise) : null,
    group: groups ? r.group : null,
    may_refuse: r.may_refuse,
    riding_seal: ownEnterprise(r, enterprise) ? r.riding_seal : null,
  }))
}

/** The fields the launcher fills across the chosen templates, each key once. */
export function fieldKeys(chosen: LaunchTemplate[]): { key: string; kind: string; required: boolean }[] {
  const out: { key: string; kind: string; required: boolean }[] = []
  for (const template of chosen) {
    for (const field of template.fields) {
      const seen = out.find((f) => f.key === field.key)
      if (seen) seen.required ||= field.required
      else out.push({ key: field.key, kind: field.kind, required: field.required })
    }
  }
  return out
}
