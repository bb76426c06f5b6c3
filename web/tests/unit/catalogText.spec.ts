import { describe, expect, it } from 'vitest'
import { pickText } from '@/composables/useCatalogText'

describe('catalog texts in the reader’s language', () => {
  it('shows the English text in the English UI when there is one', () => {
    expect(pickText('en', '个人云证书', 'Personal cloud certificate')).toBe('Personal cloud certificate')
  })

  it('falls back to the Chinese when no English was saved', () => {
    expect(pickText('en', '个人云证书', '')).toBe('个人云证书')
    expect(pickText('en', '个人云证书', '   ')).toBe('个人云证书')
    expect(pickText('en', '个人云证书', undefined)).toBe('个人云证书')
  })

  it('keeps the Chinese in the Chinese UI', () => {
    expect(pickText('zh-CN', '个人云证书', 'Personal cloud certificate')).toBe('个人云证书')
  })
})
