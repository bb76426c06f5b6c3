// 常用联系人（ES-7 §2.5.1.1.3）：企业日常发起最常添加的签约方——个人（姓名、手机号，可选身份证号）
// 或平台上已认证的企业；列表中手机号、身份证号均为脱敏值，发起时以 contact_id 引用，由服务器补全。
import { api, type ApiClient } from './client'
import type { Schemas } from './operations'

export type Contact = Schemas['Contact']
export type ContactList = Schemas['ContactList']
export type NewContact = Schemas['NewContact']

const enc = encodeURIComponent

export function contactsApi(client: ApiClient = api) {
  const base = (id: string): string => `/api/v1/enterprises/${enc(id)}/contacts`
  return {
    list: (enterprise: string, q = ''): Promise<ContactList> =>
      client.get(q.trim() ? `${base(enterprise)}?q=${enc(q.trim())}` : base(enterprise)),
    /** Adds a contact, or updates the entry of the same mobile or enterprise. */
    save: (enterprise: string, body: NewContact): Promise<Contact> => client.post(base(enterprise), body),
    remove: (enterprise: string, id: string): Promise<void> => client.request('DELETE', `${base(enterprise)}/${enc(id)}`),
  }
}

export const contacts = contactsApi()
