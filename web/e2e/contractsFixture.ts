// A stand-in for the e-contract wing's real flows in the e2e run (real-name authentication,
// enterprise certification through the desk, seal creation), until they land: rows written
// straight into the sandbox server's SQLite database (`$SIGNET_E2E_DATA/signet.db`), the same
// rows `crates/server/tests/it/contracts/support.rs` inserts for the API tests. Personal data
// here is a placeholder the join/approve/log flows never open. Kept in this one file so it can be
// swapped for the demo enterprise of `signet init --demo`.
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import path from 'node:path'

function database(): string {
  const dir = process.env.SIGNET_E2E_DATA
  if (!dir) throw new Error('SIGNET_E2E_DATA is not set (playwright.config.ts sets it)')
  return path.join(dir, 'signet.db')
}

const q = (text: string): string => `'${text.replace(/'/g, "''")}'`

function run(sql: string): void {
  execFileSync('sqlite3', ['-cmd', '.timeout 10000', database(), sql])
}

/** Marks the accounts as real-named (masked name only; the sealed fields are placeholders). */
export function realName(users: { id: string; name: string }[]): void {
  const now = Math.floor(Date.now() / 1000)
  run(
    users
      .map(
        (u) =>
          `INSERT OR IGNORE INTO ec_persons (user_id, name_sealed, name_masked, id_index, id_sealed, id_masked, method, verified_at, updated_at) ` +
          `VALUES (${q(u.id)}, 'e2e', ${q(`${u.name.slice(0, 1)}*`)}, ${q(`e2e-${u.id}`)}, 'e2e', '1101**********0000', 'carrier3', ${now}, ${now});`,
      )
      .join('\n'),
  )
}

export interface FixtureEnterprise {
  id: string
  name: string
  creditCode: string
}

/** A certified enterprise with `adminId` as administrator, 劳动合同 and 劳务派遣合同, and an active
 * company seal and contract seal. */
export function certifiedEnterprise(adminId: string, name: string, creditCode: string): FixtureEnterprise {
  const id = randomUUID()
  const now = Math.floor(Date.now() / 1000)
  const types: [string, string, string][] = [
    ['labour', '劳动合同', 'Labour contract'],
    ['dispatch', '劳务派遣合同', 'Labour dispatch contract'],
  ]
  const seals: [string, string][] = [
    ['company', `${name}公章`],
    ['contract', `${name}合同专用章`],
  ]
  run(
    [
      `INSERT INTO ec_enterprises (id, name, credit_code, legal_rep_name_sealed, legal_rep_name_masked, state, applicant_user_id, medium, certified_at, created_at, updated_at) ` +
        `VALUES (${q(id)}, ${q(name)}, ${q(creditCode)}, 'e2e', '赵*', 'certified', ${q(adminId)}, 'cloud', ${now}, ${now}, ${now});`,
      `INSERT INTO ec_members (enterprise_id, user_id, role, state, decided_at, created_at, updated_at) VALUES (${q(id)}, ${q(adminId)}, 'admin', 'active', ${now}, ${now}, ${now});`,
      ...types.map(
        ([code, zh, en], i) =>
          `INSERT INTO ec_business_types (id, enterprise_id, code, name, name_en, required_fields, active, created_at) VALUES (${q(randomUUID())}, ${q(id)}, ${q(code)}, ${q(zh)}, ${q(en)}, '[]', 1, ${now + i});`,
      ),
      ...seals.map(
        ([kind, sealName], i) =>
          `INSERT INTO ec_seals (id, enterprise_id, kind, name, image_blob, image_width, image_height, source, state, created_at, updated_at) ` +
          `VALUES (${q(randomUUID())}, ${q(id)}, ${q(kind)}, ${q(sealName)}, 'e2e', 240, 240, 'generated', 'active', ${now + i}, ${now + i});`,
      ),
    ].join('\n'),
  )
  return { id, name, creditCode }
}
