// The catalog's texts in the reader's language: the English UI shows the English name and
// landing texts, material labels and FAQ the catalog editor saved, and the Chinese where none was saved.
import { useI18n } from 'vue-i18n'
import type { Faq, Help, MaterialSpec, Product, Project } from '@/api/deskTypes'

type Named = Pick<Product, 'name'> & { settings?: Partial<Pick<Product['settings'], 'name_en'>> }

/** `english` when the UI is English and it is not empty, else `chinese`. */
export function pickText(locale: string, chinese: string, english: string | undefined): string {
  return locale === 'en' && english && english.trim() ? english : chinese
}

export function useCatalogText() {
  const { locale } = useI18n()
  const en = (help: Help | undefined) => help?.english
  return {
    productName: (p: Named): string => pickText(locale.value, p.name, p.settings?.name_en),
    projectName: (p: Pick<Project, 'name' | 'help'>): string => pickText(locale.value, p.name, en(p.help)?.name),
    landingTitle: (p: Pick<Project, 'help'>): string => pickText(locale.value, p.help.landing_title, en(p.help)?.landing_title),
    introduction: (p: Pick<Project, 'help'>): string => pickText(locale.value, p.help.introduction, en(p.help)?.introduction),
    serviceHours: (p: Pick<Project, 'help'>): string => pickText(locale.value, p.help.service_hours, en(p.help)?.service_hours),
    notices: (p: Pick<Project, 'help'>): string[] => {
      const english = en(p.help)?.notices.filter((n) => n.trim()) ?? []
      return locale.value === 'en' && english.length ? english : p.help.notices
    },
    /** A material's label (`营业执照` / "Business licence"). */
    materialLabel: (m: Pick<MaterialSpec, 'label' | 'label_en'>): string => pickText(locale.value, m.label, m.label_en),
    faqQuestion: (f: Faq): string => pickText(locale.value, f.question, f.question_en),
    faqAnswer: (f: Faq): string => pickText(locale.value, f.answer, f.answer_en),
    /** An order line's product (the list carries both names). */
    lineProduct: (line: { product_name: string; product_name_en?: string }): string =>
      pickText(locale.value, line.product_name, line.product_name_en),
  }
}
