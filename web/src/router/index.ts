import { createRouter, createWebHistory, type RouteLocationNormalized, type RouteRecordRaw } from 'vue-router'
import { useSessionStore } from '@/stores/session'

declare module 'vue-router' {
  interface RouteMeta {
    /** Needs a signed-in user. */
    requiresAuth?: boolean
    /** Only for visitors; signed-in users go to their account. */
    guestOnly?: boolean
    /** i18n key of the page title. */
    title?: string
    /** Needs a CA staff role (`GET /api/v1/staff/roles` not empty). */
    requiresStaff?: boolean
    /** Reachable by anybody, whatever the session (sandbox pages, phone upload links). */
    open?: boolean
  }
}

export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: () => import('@/views/home/HomeView.vue'), meta: { title: 'nav.home' } },
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/account/LoginView.vue'),
    meta: { guestOnly: true, title: 'login.title' },
  },
  {
    path: '/register',
    name: 'register',
    component: () => import('@/views/account/RegisterView.vue'),
    meta: { guestOnly: true, title: 'register.title' },
  },
  {
    path: '/forgot-password',
    name: 'forgot-password',
    component: () => import('@/views/account/ForgotPasswordView.vue'),
    meta: { guestOnly: true, title: 'forgot.title' },
  },
  {
    path: '/account',
    name: 'account',
    component: () => import('@/views/account/AccountView.vue'),
    meta: { requiresAuth: true, title: 'account.title' },
  },
  {
    path: '/account/set-password',
    name: 'set-password',
    component: () => import('@/views/account/SetPasswordView.vue'),
    meta: { requiresAuth: true, title: 'setPassword.title' },
  },
  {
    path: '/apply',
    name: 'apply',
    component: () => import('@/views/desk/CatalogView.vue'),
    meta: { title: 'desk.catalog.title' },
  },
  {
    path: '/channels/:code',
    name: 'channel',
    component: () => import('@/views/desk/ChannelView.vue'),
    meta: { title: 'desk.catalog.title' },
  },
  {
    path: '/orders',
    name: 'orders',
    component: () => import('@/views/desk/MyOrdersView.vue'),
    meta: { requiresAuth: true, title: 'desk.orders.title' },
  },
  {
    path: '/orders/:id',
    name: 'order',
    component: () => import('@/views/desk/OrderView.vue'),
    meta: { requiresAuth: true, title: 'desk.order.title' },
  },
  {
    path: '/certificates',
    name: 'certificates',
    component: () => import('@/views/certificates/MyCertificatesView.vue'),
    meta: { requiresAuth: true, title: 'lifecycle.title' },
  },
  {
    path: '/contracts/real-name',
    name: 'ec-real-name',
    component: () => import('@/views/contracts/RealNameView.vue'),
    meta: { requiresAuth: true, title: 'enterprise.realName.title' },
  },
  {
    path: '/contracts/enterprises',
    name: 'ec-enterprises',
    component: () => import('@/views/contracts/MyEnterprisesView.vue'),
    meta: { requiresAuth: true, title: 'enterprise.mine.title' },
  },
  {
    path: '/contracts/tasks',
    name: 'ec-tasks',
    component: () => import('@/views/contracts/tasks/TasksView.vue'),
    meta: { requiresAuth: true, title: 'tasks.title' },
  },
  {
    path: '/contracts/tasks/:id',
    name: 'ec-task',
    component: () => import('@/views/contracts/tasks/TaskView.vue'),
    meta: { requiresAuth: true, title: 'tasks.detail.info' },
  },
  {
    path: '/contracts/enterprises/:id',
    name: 'ec-enterprise',
    component: () => import('@/views/contracts/EnterpriseView.vue'),
    meta: { requiresAuth: true, title: 'enterprise.detail.title' },
  },
  {
    path: '/certificates/:serial',
    name: 'certificate',
    component: () => import('@/views/certificates/CertificateDetailView.vue'),
    meta: { requiresAuth: true, title: 'lifecycle.detail.title' },
  },
  {
    path: '/enterprises/:id/seals',
    name: 'enterprise-seals',
    component: () => import('@/views/contracts/seals/EnterpriseSealsView.vue'),
    meta: { requiresAuth: true, title: 'seals.title' },
  },
  {
    path: '/enterprises/:id/webhooks',
    name: 'enterprise-webhooks',
    component: () => import('@/views/contracts/webhooks/WebhooksView.vue'),
    meta: { requiresAuth: true, title: 'webhooks.title' },
  },
  {
    path: '/enterprises/:id/billing',
    name: 'enterprise-billing',
    component: () => import('@/views/contracts/billing/BillingView.vue'),
    meta: { requiresAuth: true, title: 'billing.title' },
  },
  {
    path: '/enterprises/:id/launch',
    name: 'enterprise-launch',
    component: () => import('@/views/contracts/launch/LaunchView.vue'),
    meta: { requiresAuth: true, title: 'launch.title' },
  },
  {
    path: '/enterprises/:id/contacts',
    name: 'enterprise-contacts',
    component: () => import('@/views/contracts/contacts/ContactsView.vue'),
    meta: { requiresAuth: true, title: 'contacts.title' },
  },
  {
    path: '/enterprises/:id/archives',
    name: 'enterprise-archives',
    component: () => import('@/views/contracts/archives/ArchivesView.vue'),
    meta: { requiresAuth: true, title: 'archives.title' },
  },
  {
    path: '/enterprises/:id/templates',
    name: 'enterprise-templates',
    component: () => import('@/views/contracts/templates/TemplatesView.vue'),
    meta: { requiresAuth: true, title: 'templates.title' },
  },
  {
    path: '/enterprises/:id/templates/:tid',
    name: 'template-editor',
    component: () => import('@/views/contracts/templates/TemplateEditorView.vue'),
    meta: { requiresAuth: true, title: 'templates.editor.title' },
  },
  {
    path: '/me/seals',
    name: 'my-seals',
    component: () => import('@/views/contracts/seals/MySealsView.vue'),
    meta: { requiresAuth: true, title: 'seals.mine.title' },
  },
  {
    path: '/staff',
    name: 'staff',
    component: () => import('@/views/staff/StaffQueueView.vue'),
    meta: { requiresAuth: true, requiresStaff: true, title: 'staff.title' },
  },
  {
    path: '/staff/catalog',
    name: 'staff-catalog',
    component: () => import('@/views/staff/StaffCatalogView.vue'),
    meta: { requiresAuth: true, requiresStaff: true, title: 'catalogAdmin.title' },
  },
  {
    path: '/staff/regulator',
    name: 'staff-regulator',
    component: () => import('@/views/staff/StaffRegulatorView.vue'),
    meta: { requiresAuth: true, requiresStaff: true, title: 'regulator.title' },
  },
  {
    path: '/staff/billing',
    name: 'staff-billing',
    component: () => import('@/views/staff/StaffBillingView.vue'),
    meta: { requiresAuth: true, requiresStaff: true, title: 'billing.staff.title' },
  },
  {
    path: '/staff/jobs',
    name: 'staff-jobs',
    component: () => import('@/views/staff/StaffJobsView.vue'),
    meta: { requiresAuth: true, requiresStaff: true, title: 'jobs.title' },
  },
  {
    path: '/staff/orders/:id',
    name: 'staff-order',
    component: () => import('@/views/staff/StaffOrderView.vue'),
    meta: { requiresAuth: true, requiresStaff: true, title: 'staff.detail.title' },
  },
  {
    path: '/sandbox/pay/:id',
    name: 'sandbox-pay',
    component: () => import('@/views/sandbox/SandboxPayView.vue'),
    meta: { open: true, title: 'sandbox.pay.title' },
  },
  {
    path: '/face/:token',
    name: 'sandbox-face',
    component: () => import('@/views/sandbox/SandboxFaceView.vue'),
    meta: { open: true, title: 'sandbox.face.title' },
  },
  {
    path: '/m/upload/:token',
    name: 'mobile-upload',
    component: () => import('@/views/sandbox/MobileUploadView.vue'),
    meta: { open: true, title: 'sandbox.upload.title' },
  },
  {
    path: '/contracts/join',
    name: 'contracts-join',
    component: () => import('@/views/contracts/members/JoinEnterpriseView.vue'),
    meta: { requiresAuth: true, title: 'members.join.title' },
  },
  {
    path: '/contracts/joined',
    name: 'contracts-joined',
    component: () => import('@/views/contracts/members/MyJoinedView.vue'),
    meta: { requiresAuth: true, title: 'members.joined.title' },
  },
  {
    path: '/contracts/enterprises/:id/members',
    name: 'contracts-members',
    component: () => import('@/views/contracts/members/ManageMembersView.vue'),
    meta: { requiresAuth: true, title: 'members.manage.title' },
  },
  {
    path: '/enterprises/:id/employees',
    name: 'enterprise-employees',
    component: () => import('@/views/contracts/employees/EmployeesView.vue'),
    meta: { requiresAuth: true, title: 'employees.title' },
  },
  {
    path: '/m/employee/:token',
    name: 'employee-form',
    component: () => import('@/views/contracts/employees/EmployeeFormView.vue'),
    meta: { open: true, title: 'employees.phone.formTitle' },
  },
  {
    path: '/m/join/:code',
    name: 'employee-join',
    component: () => import('@/views/contracts/employees/EmployeeJoinView.vue'),
    meta: { open: true, title: 'employees.phone.joinTitle' },
  },
  {
    path: '/m/qr-login/:secret',
    name: 'qr-confirm',
    component: () => import('@/views/phone/QrConfirmView.vue'),
    meta: { requiresAuth: true, title: 'phone.qrConfirm.title' },
  },
  {
    path: '/m/handwriting/:token',
    name: 'handwriting-pad',
    component: () => import('@/views/phone/HandwritingPadView.vue'),
    meta: { open: true, title: 'phone.pad.title' },
  },
  {
    path: '/help/signet-agent',
    name: 'agent-download',
    component: () => import('@/views/help/AgentDownloadView.vue'),
    meta: { title: 'help.agent.title' },
  },
  {
    path: '/verify',
    name: 'verify',
    component: () => import('@/views/verify/VerifyView.vue'),
    meta: { open: true, title: 'verify.title' },
  },
  {
    // Printed in the QR code on every page of a launched contract: keep the path as it is.
    path: '/verify/tasks/:task/documents/:n/pages/:page',
    name: 'verify-page',
    component: () => import('@/views/verify/PageQrView.vue'),
    meta: { open: true, title: 'verify.page.title' },
  },
  {
    path: '/help/faq',
    name: 'faq',
    component: () => import('@/views/help/FaqView.vue'),
    meta: { title: 'help.faq.title' },
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@/views/NotFoundView.vue'),
    meta: { title: 'notFound.title' },
  },
]

/** Where a navigation must go instead, given the session; `null` lets it through. */
export function guardTarget(
  to: Pick<RouteLocationNormalized, 'name' | 'meta' | 'fullPath'>,
  state: { signedIn: boolean; mustSetPassword: boolean; isStaff?: boolean },
): { name: string; query?: Record<string, string> } | null {
  // A phone opening an upload or face-check link, or the sandbox pay page: no rules.
  if (to.meta.open) return null
  if (state.signedIn && state.mustSetPassword) {
    // A quick-registered user sees nothing but the set-password page.
    return to.name === 'set-password' ? null : { name: 'set-password' }
  }
  if (to.name === 'set-password' && state.signedIn) {
    return { name: 'account' }
  }
  if (to.meta.requiresAuth && !state.signedIn) {
    return { name: 'login', query: { redirect: to.fullPath } }
  }
  if (to.meta.guestOnly && state.signedIn) {
    return { name: 'account' }
  }
  if (to.meta.requiresStaff && !state.isStaff) {
    return { name: 'home' }
  }
  return null
}

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes,
  scrollBehavior: () => ({ top: 0 }),
})

router.beforeEach(async (to) => {
  const session = useSessionStore()
  await session.ensureLoaded()
  if (to.meta.requiresStaff) await session.ensureRoles()
  const target = guardTarget(to, {
    signedIn: session.signedIn,
    mustSetPassword: session.mustSetPassword,
    isStaff: session.isStaff,
  })
  return target ?? true
})

/** A safe in-app redirect target from `?redirect=` (no external URLs). */
export function safeRedirect(value: unknown, fallback = '/account'): string {
  if (typeof value === 'string' && value.startsWith('/') && !value.startsWith('//')) return value
  return fallback
}
