import { describe, expect, it } from 'vitest'
import { reactive } from 'vue'
import type { TemplateVersion } from '@/api/templates'
import { nextRoleKey, pageItems, SPOT_KINDS, TemplateDraft } from '@/views/contracts/templates/draft'

const A4 = { width: 595.28, height: 841.89 }

function version(): Pick<TemplateVersion, 'pages' | 'roles' | 'fields' | 'signing'> {
  return {
    pages: [A4, A4],
    roles: [
      { key: 'A', kind: 'enterprise', name: '甲方' },
      { key: 'B', kind: 'person', name: '乙方' },
    ],
    fields: [],
    signing: [],
  }
}

const labels = { field: (k: string) => k, spot: (s: { kind: string }) => s.kind }

describe('template draft: one field, many placements', () => {
  it('places a field once and again under the same key', () => {
    const draft = new TemplateDraft('劳动合同', version())
    draft.placeField('姓名', 'text', { page: 1, x: 100, y: 100, w: 120, h: 20 })
    draft.placeField('姓名', 'text', { page: 2, x: 50, y: 700, w: 120, h: 20 })
    expect(draft.fields).toHaveLength(1)
    expect(draft.fields[0]?.placements).toEqual([
      { page: 1, x: 100, y: 100, w: 120, h: 20 },
      { page: 2, x: 50, y: 700, w: 120, h: 20 },
    ])
    expect(draft.selection).toEqual({ type: 'field', key: '姓名', index: 1 })
  })

  it('edits every placement when one is edited', () => {
    const draft = reactive(new TemplateDraft('t', version())) as TemplateDraft
    draft.placeField('合同开始日期', 'date', { page: 1, x: 10, y: 10, w: 100, h: 20 })
    draft.placeField('合同开始日期', 'date', { page: 2, x: 10, y: 10, w: 100, h: 20 })
    expect(draft.field('合同开始日期')?.date_format).toBe('YYYY年MM月DD日')
    draft.updateField('合同开始日期', { size: 10.5, font: 'serif', required: false, date_format: 'YYYY-MM-DD' })
    const payload = draft.payload()
    expect(payload.fields).toHaveLength(1)
    expect(payload.fields[0]).toMatchObject({ size: 10.5, font: 'serif', required: false, date_format: 'YYYY-MM-DD' })
    expect(payload.fields[0]?.placements).toHaveLength(2)
    // The minimum size never exceeds the size.
    draft.updateField('合同开始日期', { size: 6 })
    expect(draft.field('合同开始日期')?.min_size).toBe(6)
  })

  it('moves, nudges and resizes the selected placement only, inside its page', () => {
    const draft = new TemplateDraft('t', version())
    draft.placeField('姓名', 'text', { page: 1, x: 100, y: 100, w: 120, h: 20 })
    draft.placeField('姓名', 'text', { page: 1, x: 300, y: 300, w: 120, h: 20 })
    draft.moveSelected(1, 0)
    draft.moveSelected(0, -10)
    expect(draft.field('姓名')?.placements).toEqual([
      { page: 1, x: 100, y: 100, w: 120, h: 20 },
      { page: 1, x: 301, y: 290, w: 120, h: 20 },
    ])
    draft.setSelectedBox({ page: 1, x: 590, y: 290, w: 160, h: 30 })
    expect(draft.selectedBox()).toEqual({ page: 1, x: 435.28, y: 290, w: 160, h: 30 })
  })

  it('drops the field with its last placement', () => {
    const draft = new TemplateDraft('t', version())
    draft.placeField('岗位', 'text', { page: 1, x: 1, y: 1, w: 50, h: 20 })
    draft.placeField('岗位', 'text', { page: 1, x: 1, y: 100, w: 50, h: 20 })
    draft.removeSelected()
    expect(draft.field('岗位')?.placements).toHaveLength(1)
    expect(draft.selection).toBeNull()
    draft.selection = { type: 'field', key: '岗位', index: 0 }
    draft.removeSelected()
    expect(draft.fields).toHaveLength(0)
    expect(draft.isPlaced('岗位')).toBe(false)
  })

  it('places signing spots per role and removes them with their role', () => {
    const draft = new TemplateDraft('t', version())
    const seal = draft.placeSpot('A', 'company', { page: 1, x: 400, y: 700, w: 119, h: 119 })
    draft.placeSpot('B', 'name_seal', { page: 1, x: 100, y: 700, w: 72, h: 36 })
    draft.placeField('月工资', 'number', { page: 1, x: 1, y: 1, w: 50, h: 20 })
    draft.updateField('月工资', { role: 'B' })
    expect(draft.signing.find((s) => s.id === seal)).toMatchObject({ role: 'A', kind: 'company', page: 1, x: 400, y: 700 })
    draft.removeRole('B')
    expect(draft.signing.map((s) => s.kind)).toEqual(['company'])
    expect(draft.field('月工资')?.role).toBeNull()
    expect(SPOT_KINDS.enterprise).toContain('company')
    expect(SPOT_KINDS.person).toEqual(['name_seal', 'handwriting', 'sign_date'])
  })

  it('knows when it has unsaved changes', () => {
    const draft = reactive(new TemplateDraft('t', version())) as TemplateDraft
    expect(draft.dirty).toBe(false)
    draft.placeField('姓名', 'text', { page: 1, x: 1, y: 1, w: 50, h: 20 })
    expect(draft.dirty).toBe(true)
    draft.markSaved()
    expect(draft.dirty).toBe(false)
    draft.name = '新名称'
    expect(draft.dirty).toBe(true)
    // The server's copy after a save replaces the draft; the selection stays while it exists.
    draft.selection = { type: 'field', key: '姓名', index: 0 }
    draft.reset('新名称', { ...version(), fields: draft.payload().fields })
    expect(draft.dirty).toBe(false)
    expect(draft.selection).toEqual({ type: 'field', key: '姓名', index: 0 })
  })

  it('lists the boxes of one page to draw, the selected one marked', () => {
    const draft = new TemplateDraft('t', version())
    draft.placeField('姓名', 'text', { page: 1, x: 1, y: 1, w: 50, h: 20 })
    draft.placeField('姓名', 'text', { page: 2, x: 1, y: 1, w: 50, h: 20 })
    draft.placeSpot('A', 'date', { page: 1, x: 300, y: 1, w: 110, h: 40 })
    const one = pageItems(draft, 1, labels)
    expect(one.map((i) => [i.kind, i.label, i.selected])).toEqual([
      ['field', '姓名', false],
      ['spot', 'date', true],
    ])
    expect(pageItems(draft, 2, labels)).toHaveLength(1)
  })

  it('gives new roles the next free key', () => {
    expect(nextRoleKey([])).toBe('A')
    expect(nextRoleKey([{ key: 'A', kind: 'enterprise', name: '' }, { key: 'C', kind: 'person', name: '' }])).toBe('B')
    const draft = new TemplateDraft('t', version())
    expect(draft.addRole('person', '丙方').key).toBe('C')
  })
})
