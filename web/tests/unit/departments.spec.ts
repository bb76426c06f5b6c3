import { describe, expect, it } from 'vitest'
import { buildTree, departmentPath, descendants } from '@/utils/departments'

const list = [
  { id: 'hq', parent_id: null, name: '总部', position: 1, employees: 0 },
  { id: 'fin', parent_id: 'hq', name: '财务部', position: 1, employees: 2 },
  { id: 'audit', parent_id: 'fin', name: '审计组', position: 1, employees: 1 },
  { id: 'sales', parent_id: null, name: '销售部', position: 2, employees: 3 },
]

describe('departments', () => {
  it('builds the tree in order', () => {
    const tree = buildTree(list)
    expect(tree.map((n) => n.label)).toEqual(['总部', '销售部'])
    expect(tree[0]!.children[0]!.children[0]!.label).toBe('审计组')
  })

  it('names paths and finds descendants', () => {
    expect(departmentPath(list, 'audit')).toBe('总部 / 财务部 / 审计组')
    expect([...descendants(list, 'hq')].sort()).toEqual(['audit', 'fin', 'hq'])
    expect([...descendants(list, 'sales')]).toEqual(['sales'])
  })
})
