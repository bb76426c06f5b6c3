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
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@/views/NotFoundView.vue'),
    meta: { title: 'notFound.title' },
  },
]

/** Where a navigation must go instead, given the session; `null` lets it through. */
export function guardTarget(
  to: Pick<RouteLocationNormalized, 'name' | 'meta' | 'fullPath'>,
  state: { signedIn: boolean; mustSetPassword: boolean },
): { name: string; query?: Record<string, string> } | null {
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
  const target = guardTarget(to, { signedIn: session.signedIn, mustSetPassword: session.mustSetPassword })
  return target ?? true
})

/** A safe in-app redirect target from `?redirect=` (no external URLs). */
export function safeRedirect(value: unknown, fallback = '/account'): string {
  if (typeof value === 'string' && value.startsWith('/') && !value.startsWith('//')) return value
  return fallback
}
