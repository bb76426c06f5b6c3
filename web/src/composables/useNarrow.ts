import { onScopeDispose, ref } from 'vue'

/** Whether the window is phone-narrow (forms put their labels on top then). */
export function useNarrow(query = '(max-width: 767px)') {
  const narrow = ref(false)
  const media = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(query) : null
  if (media) {
    narrow.value = media.matches
    const onChange = (e: MediaQueryListEvent) => {
      narrow.value = e.matches
    }
    media.addEventListener('change', onChange)
    onScopeDispose(() => media.removeEventListener('change', onChange))
  }
  return narrow
}
