// English texts of the dead-letter jobs page.
import type { jobsZhCN } from './jobs.zh-CN'

export const jobsEn: typeof jobsZhCN = {
  open: 'Dead jobs',
  title: 'Dead-letter jobs',
  subtitle:
    'Background jobs (SMS, e-mail, certificate issuance, invoices, refunds…) that used up their attempts stop here; once the cause is fixed, put them back in the queue.',
  back: '‹ Back to the review console',
  refresh: 'Refresh',
  empty: 'No dead jobs',
  kind: 'Kind',
  attempts: 'Attempts',
  lastError: 'Last error',
  time: 'Failed at',
  actions: 'Actions',
  retry: 'Retry',
  retryConfirm: 'Put this job back in the queue with fresh attempts?',
  retried: 'Back in the queue',
}
