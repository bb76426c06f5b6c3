// 死信任务页（客服/CA 工作人员）：重试次数用尽的后台任务及其重试。
export const jobsZhCN = {
  open: '死信任务',
  title: '死信任务',
  subtitle: '后台任务（短信、邮件、证书签发、发票、退款等）用尽重试次数后停在这里；排除原因后可重新放回队列。',
  back: '‹ 返回审核工作台',
  refresh: '刷新',
  empty: '没有死信任务',
  kind: '任务类型',
  attempts: '尝试次数',
  lastError: '最后一次错误',
  time: '失败时间',
  actions: '操作',
  retry: '重试',
  retryConfirm: '将该任务放回队列并重新计算尝试次数，确定重试吗？',
  retried: '已放回队列',
}
