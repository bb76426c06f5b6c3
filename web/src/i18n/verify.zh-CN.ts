// 文件验证（公开页面 /verify）。
export const verifyZhCN = {
  title: '文件验证',
  intro: '上传通过本平台签署完毕的 PDF 文件，系统会逐一检查文件中的每个签名：由谁签署、使用的证书是否由本平台签发、签署时间、签署后文件是否被改动。文件仅用于本次验证，不会被保存。',
  drop: '将 PDF 文件拖到这里，或点击选择文件',
  limit: '仅支持 PDF 格式，文件不超过 {size}',
  tooLarge: '文件过大，不能超过 {size}',
  uploading: '正在上传 {name}…',
  checking: '正在验证 {name}…',
  file: '文件：{name}（共 {revisions} 个版本）',
  signature: '第 {n} 个签名',
  documentTimestamp: '第 {n} 项：文档时间戳',
  details: '技术细节',
  verdict: {
    valid: '验证通过',
    invalid: '验证未通过',
    foreign: '非本平台签署的文件',
    unsigned: '文件没有签名',
  },
  status: {
    valid: '有效',
    invalid: '无效',
    foreign: '非本平台签署',
  },
}
