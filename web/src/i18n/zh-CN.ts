// 简体中文（默认语言）。注意：vue-i18n 消息中的 @ { } | 有特殊含义，请勿直接使用。
import { enterpriseZhCN } from './enterprise.zh-CN'
import { deskZhCN, sandboxZhCN, staffZhCN } from './desk.zh-CN'
import { lifecycleZhCN } from './lifecycle.zh-CN'
import { helpZhCN } from './help.zh-CN'
import { catalogAdminZhCN } from './catalog.zh-CN'
import { membersZhCN } from './members.zh-CN'
import { employeesZhCN } from './employees.zh-CN'
import { phoneZhCN } from './phone.zh-CN'
import { sealsZhCN } from './seals.zh-CN'
import { verifyZhCN } from './verify.zh-CN'
import { archivesZhCN } from './archives.zh-CN'
import { launchZhCN } from './launch.zh-CN'
import { contactsZhCN } from './contacts.zh-CN'
import { billingZhCN } from './billing.zh-CN'
import { webhooksZhCN } from './webhooks.zh-CN'
import { jobsZhCN } from './jobs.zh-CN'
import { regulatorZhCN } from './regulator.zh-CN'
import { tasksZhCN } from './tasks.zh-CN'
import { templatesZhCN } from './templates.zh-CN'

const zhCN = {
  app: {
    name: 'Signet 数字证书服务平台',
    shortName: 'Signet',
    tagline: '权威认证 安全可靠',
    footer: 'Signet 数字证书服务平台 · 自主部署的证书认证与电子合同服务',
  },
  nav: {
    home: '首页',
    login: '登录',
    register: '注册',
    account: '个人中心',
    logout: '退出登录',
    language: '语言',
    loggedOut: '您已安全退出',
    apply: '申请证书',
    orders: '我的订单',
    staff: '审核工作台',
    certificates: '我的证书',
  },
  lang: {
    'zh-CN': '简体中文',
    en: 'English',
  },
  home: {
    title: 'Signet 数字证书服务平台',
    subtitle:
      '面向个人与企业的一站式数字证书与电子合同服务：在线申请、更新、补办和查询数字证书，并使用数字证书签署具有法律效力的电子合同。',
    startRegister: '立即注册',
    goLogin: '登录',
    goAccount: '进入个人中心',
    apply: '在线申请证书',
    welcomeBack: '欢迎回来，{name}',
    features: {
      certTitle: '数字证书',
      certDesc: '由平台自有证书认证机构签发个人与企业证书，支持在线申请、审核、更新、补办与吊销查询，证书可存放于 USBKey 等介质。',
      contractTitle: '电子合同',
      contractDesc: '在线发起、签署与归档电子合同，签署人通过短信验证码或数字证书表达签署意愿，签署结果可随时验证。',
      securityTitle: '账号安全',
      securityDesc: '手机号实名注册、图形验证码与短信验证码双重校验、强密码策略与登录失败锁定，个人信息全程脱敏展示。',
    },
  },
  common: {
    submit: '提交',
    confirm: '确定',
    cancel: '取消',
    save: '保存',
    next: '下一步',
    prev: '上一步',
    back: '返回',
    change: '修改',
    loading: '加载中…',
    success: '操作成功',
  },
  field: {
    phone: '手机号',
    captcha: '图形验证码',
    smsCode: '短信验证码',
    loginName: '登录名',
    realName: '真实姓名',
    email: '邮箱',
    password: '设置密码',
    confirmPassword: '确认密码',
    loginPassword: '密码',
    oldPassword: '原密码',
    newPassword: '新密码',
    confirmNewPassword: '确认新密码',
    identifier: '用户名/手机号/邮箱',
    newPhone: '新手机号',
    currentPhone: '当前手机号',
  },
  placeholder: {
    phone: '请输入手机号',
    captcha: '请输入图形验证码',
    smsCode: '请输入 6 位短信验证码',
    loginName: '4–32 位字母、数字、下划线、短横线或点，以字母开头',
    realName: '请输入真实姓名',
    email: '请输入常用邮箱',
    password: '请输入密码',
    confirmPassword: '请再次输入密码',
    oldPassword: '请输入原密码',
    newPassword: '请输入新密码',
    identifier: '请输入用户名/手机号/邮箱',
    newPhone: '请输入新手机号',
  },
  captcha: {
    alt: '图形验证码',
    refresh: '看不清？点击换一张',
    loadFailed: '验证码加载失败，点击重试',
  },
  sms: {
    get: '获取验证码',
    resend: '{n} 秒后重新获取',
    sending: '发送中…',
    sent: '验证码已发送至 {phone}，5 分钟内有效',
    sentToCurrent: '验证码已发送至当前绑定手机',
  },
  validation: {
    required: '请输入{name}',
    phoneInvalid: '请输入正确的 11 位手机号',
    captchaRequired: '请输入图形验证码',
    smsCodeInvalid: '请输入 6 位数字短信验证码',
    passwordRule: '密码须为 8–16 位，且至少包含大写字母、小写字母、数字、符号中的三种',
    passwordMismatch: '两次输入的密码不一致',
    passwordSameAsOld: '新密码不能与原密码相同',
    loginNameRule: '登录名须为 4–32 位字母、数字、下划线、短横线或点，以字母开头',
    emailInvalid: '请输入正确的邮箱地址',
    agreeRequired: '请先阅读并同意《用户服务协议》',
  },
  passwordRule: {
    title: '密码规则',
    length: '长度为 8–16 位',
    classes: '至少包含大写字母、小写字母、数字、符号中的三种',
    strength: '已包含 {n} 种字符类型',
  },
  register: {
    title: '注册账号',
    step1: '验证手机号',
    step2: '填写用户信息',
    step3: '注册完成',
    phoneTip: '此手机号将作为登录账号，请填写本人实名登记的手机号',
    agreePrefix: '我已阅读并同意',
    agreement: '《用户服务协议》',
    agreementTitle: '用户服务协议',
    agreementBody1:
      '欢迎使用 Signet 数字证书服务平台。您在注册前应仔细阅读本协议。您勾选同意即表示您已充分理解并同意本协议的全部内容。',
    agreementBody2:
      '您应保证注册时提交的手机号、姓名、邮箱等信息真实、准确、有效，并妥善保管账号、密码及数字证书介质，因保管不善造成的损失由您自行承担。',
    agreementBody3:
      '平台依法收集和使用您的个人信息，仅用于身份核验、证书签发与电子合同签署等服务，未经您同意不会向第三方提供；页面展示的个人信息均经过脱敏处理。',
    agreementRead: '我已阅读',
    verifiedPhone: '已验证手机号：{phone}',
    submit: '完成注册',
    success: '注册成功，欢迎使用 Signet',
    haveAccount: '已有账号？',
    loginNow: '立即登录',
  },
  login: {
    title: '欢迎登录',
    tabPassword: '密码登录',
    tabSms: '短信登录',
    submit: '登录',
    forgot: '忘记密码',
    noAccount: '还没有账号？',
    registerNow: '立即注册',
    success: '登录成功',
    smsTip: '未注册的手机号验证后将自动注册',
  },
  forgot: {
    title: '找回密码',
    tip: '通过注册手机号接收短信验证码，重新设置登录密码',
    submit: '确认重置',
    success: '密码修改成功，请使用新密码登录',
    backToLogin: '返回登录',
  },
  setPassword: {
    title: '设置登录密码',
    tip: '您已通过短信验证码快捷注册，为保障账号安全，请先设置登录密码后再继续使用平台。',
    submit: '保存并继续',
    success: '密码设置成功',
  },
  account: {
    title: '个人中心',
    basicInfo: '基本信息',
    security: '账号安全',
    avatar: '头像',
    changeAvatar: '更换头像',
    avatarHint: '支持 PNG、JPG、GIF 格式，大小不超过 2 MB',
    avatarTooLarge: '图片大小不能超过 2 MB',
    avatarBadType: '仅支持 PNG、JPG、GIF 格式的图片',
    avatarUpdated: '头像已更新',
    loginName: '登录名',
    realName: '真实姓名',
    phone: '手机号',
    email: '邮箱',
    password: '登录密码',
    passwordSet: '已设置',
    passwordNotSet: '未设置',
    createdAt: '注册时间',
    changeLoginName: '修改登录名',
    changeEmail: '修改邮箱',
    changePhone: '更换手机号',
    changePassword: '修改密码',
    newLoginName: '新登录名',
    newEmail: '新邮箱',
    loginNameChanged: '登录名修改成功',
    emailChanged: '邮箱修改成功',
    phoneChanged: '手机号更换成功',
    passwordChanged: '密码修改成功',
    phoneStepOld: '验证原手机号',
    phoneStepNew: '绑定新手机号',
    phoneOldTip: '为保障账号安全，请先验证当前绑定的手机号 {phone}',
    phoneNewTip: '请输入新的手机号并完成短信验证',
    verify: '验证',
    passwordTip: '修改成功后，请使用新密码登录',
    securityLevel: '为保障账号安全，建议定期修改密码，不要与其他网站使用相同密码。',
  },
  errors: {
    retryAfter: '请 {n} 秒后重试',
    retryAfterMinutes: '请 {n} 分钟后重试',
  },
  desk: deskZhCN,
  lifecycle: lifecycleZhCN,
  help: helpZhCN,
  staff: staffZhCN,
  sandbox: sandboxZhCN,
  phone: phoneZhCN,
  catalogAdmin: catalogAdminZhCN,
  enterprise: enterpriseZhCN,
  members: membersZhCN,
  employees: employeesZhCN,
  seals: sealsZhCN,
  verify: verifyZhCN,
  webhooks: webhooksZhCN,
  archives: archivesZhCN,
  launch: launchZhCN,
  contacts: contactsZhCN,
  billing: billingZhCN,
  jobs: jobsZhCN,
  regulator: regulatorZhCN,
  tasks: tasksZhCN,
  templates: templatesZhCN,
  notFound: {
    title: '页面不存在',
    desc: '您访问的页面不存在或已被移除',
    backHome: '返回首页',
  },
}

export type MessageSchema = typeof zhCN

export default zhCN
