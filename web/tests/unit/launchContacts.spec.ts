import { describe, expect, it } from 'vitest'
import type { Contact } from '@/api/contacts'
import { bulkParties, launchParties, placeContacts, type PartyRow } from '@/views/contracts/launch/model'

function row(role: string, kind: 'person' | 'enterprise', phone = ''): PartyRow {
  return { role, kind, name: role, phone, group: 1, may_refuse: false, riding_seal: null, contact: null }
}

function contact(id: string, kind: 'person' | 'enterprise', extra: Partial<Contact> = {}): Contact {
  return {
    id,
    kind,
    name: `联系人${id}`,
    phone_masked: kind === 'person' ? '138****0000' : null,
    id_masked: null,
    enterprise_id: kind === 'enterprise' ? `ent-${id}` : null,
    certified: true,
    note: null,
    created_at: 0,
    updated_at: 0,
    last_used_at: null,
    ...extra,
  }
}

describe('frequent contacts on the launch page', () => {
  it('fills free rows of the same kind and reports the rest', () => {
    const rows = [row('A', 'enterprise'), row('B', 'person', '13800000000'), row('C', 'person')]
    const placed = placeContacts(rows, [contact('1', 'person'), contact('2', 'person'), contact('3', 'enterprise')])
    expect(placed.rows[1]?.contact).toBeNull()
    expect(placed.rows[2]?.contact?.id).toBe('1')
    expect(placed.rows[0]?.contact?.enterprise_id).toBe('ent-3')
    expect(placed.unplaced.map((c) => c.id)).toEqual(['2'])
    expect(rows[2]?.contact).toBeNull()
  })

  it('skips a contact already placed', () => {
    const first = placeContacts([row('B', 'person'), row('C', 'person')], [contact('1', 'person')])
    const again = placeContacts(first.rows, [contact('1', 'person')])
    expect(again.rows.filter((r) => r.contact).length).toBe(1)
    expect(again.unplaced).toEqual([])
  })

  it('sends contact ids instead of phones, and no riding seal for another enterprise', () => {
    const seal = { seal_id: 's', pages: 'all' as const }
    const rows = placeContacts([{ ...row('A', 'enterprise'), riding_seal: seal }, row('B', 'person')], [
      contact('1', 'person'),
      contact('2', 'enterprise'),
    ]).rows
    const parties = launchParties(rows, 'mine', false)
    expect(parties[0]).toMatchObject({ contact_id: '2', enterprise_id: null, riding_seal: null })
    expect(parties[1]).toMatchObject({ contact_id: '1', phone: null, kind: 'person' })
    expect(bulkParties(rows, 'mine', false)[0]?.enterprise_id).toBe('ent-2')
    const own = launchParties([{ ...row('A', 'enterprise'), riding_seal: seal }], 'mine', false)
    expect(own[0]).toMatchObject({ contact_id: null, enterprise_id: 'mine', riding_seal: seal })
  })
})
