// The department tree from the flat list the API returns (`parent_id` links it).
import type { Department } from '@/api/employees'

export interface DepartmentNode {
  id: string
  label: string
  employees: number
  children: DepartmentNode[]
}

/** Nodes in the API's order; a department whose parent is missing is put at the top. */
export function buildTree(departments: Department[]): DepartmentNode[] {
  const nodes = new Map<string, DepartmentNode>()
  for (const d of departments) nodes.set(d.id, { id: d.id, label: d.name, employees: d.employees, children: [] })
  const roots: DepartmentNode[] = []
  for (const d of departments) {
    const node = nodes.get(d.id)!
    const parent = d.parent_id ? nodes.get(d.parent_id) : undefined
    if (parent) parent.children.push(node)
    else roots.push(node)
  }
  return roots
}

/** `总部 / 财务部`: the department's path, for pickers. */
export function departmentPath(departments: Department[], id: string): string {
  const byId = new Map(departments.map((d) => [d.id, d]))
  const names: string[] = []
  let cursor = byId.get(id)
  let guard = 0
  while (cursor && guard++ < 64) {
    names.unshift(cursor.name)
    cursor = cursor.parent_id ? byId.get(cursor.parent_id) : undefined
  }
  return names.join(' / ')
}

/** The ids of a department and everything under it (a move may not target them). */
export function descendants(departments: Department[], id: string): Set<string> {
  const out = new Set([id])
  let grew = true
  while (grew) {
    grew = false
    for (const d of departments) {
      if (d.parent_id && out.has(d.parent_id) && !out.has(d.id)) {
        out.add(d.id)
        grew = true
      }
    }
  }
  return out
}
