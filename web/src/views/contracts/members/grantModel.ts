// The model of the grant form (approval and edit): role, business types, ticked seals and their
// expiry dates, and its translation to the API's grants.
import type { GrantInput, GrantView, Member } from '@/api/members'

export interface GrantModel {
  role: 'member' | 'delegate'
  business_type_ids: string[]
  /** Ticked seal ids. */
  seal_ids: string[]
  /** Expiry per seal id, in milliseconds (the date picker's value), or null. */
  expires: Record<string, number | null>
}

export function emptyModel(): GrantModel {
  return { role: 'member', business_type_ids: [], seal_ids: [], expires: {} }
}

/** The form filled with what a member holds. */
export function modelOf(member: Member): GrantModel {
  const expires: Record<string, number | null> = {}
  for (const g of member.grants as GrantView[]) expires[g.seal_id] = g.expires_at === null ? null : g.expires_at * 1000
  return {
    role: member.role === 'delegate' ? 'delegate' : 'member',
    business_type_ids: member.business_types.map((b) => b.id),
    seal_ids: member.grants.map((g) => g.seal_id),
    expires,
  }
}

/** The grants the model describes; a picked date grants until the end of that day. */
export function grantsOf(model: GrantModel): GrantInput[] {
  return model.seal_ids.map((seal_id) => {
    const until = model.expires[seal_id]
    if (!until) return { seal_id, expires_at: null }
    const endOfDay = Math.floor(until / 1000) + 86_399
    return { seal_id, expires_at: endOfDay }
  })
}
