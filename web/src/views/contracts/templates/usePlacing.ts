// The editor's mouse work: dragging a palette entry onto a page (a ghost follows the pointer; on
// release over a page the box's top-left corner lands under the pointer), moving a placed box by
// dragging it, and resizing it by a corner handle. All of it through pointer events on the
// window, so a drag keeps working when the pointer leaves the box.
import { onScopeDispose, ref, type Ref } from 'vue'
import type { Box } from '@/api/templates'
import type { PageItem, TemplateDraft } from './draft'
import { clientToPage, moveBox, resizeBox, type Handle } from './geometry'

export interface Ghost {
  left: number
  top: number
  width: number
  height: number
  label: string
  kind: 'field' | 'spot'
}

/** The page under a window point, with its element's rectangle. */
export type PageAt = (clientX: number, clientY: number) => { page: number; rect: DOMRect } | null

/** Lets go of whatever has focus, so the arrow keys and Delete reach the editor. */
function releaseFocus(): void {
  const active = document.activeElement
  if (active instanceof HTMLElement) active.blur()
}

export function usePlacing(draft: TemplateDraft, scale: Ref<number>, pageAt: PageAt) {
  const ghost = ref<Ghost | null>(null)
  let cancel: (() => void) | null = null

  function track(onMove: (e: PointerEvent) => void, onUp: (e: PointerEvent) => void): void {
    cancel?.()
    const move = (e: PointerEvent) => onMove(e)
    const up = (e: PointerEvent) => {
      cleanup()
      onUp(e)
    }
    const abort = () => {
      cleanup()
      ghost.value = null
    }
    function cleanup(): void {
      window.removeEventListener('pointermove', move)
      window.removeEventListener('pointerup', up)
      window.removeEventListener('pointercancel', abort)
      cancel = null
    }
    window.addEventListener('pointermove', move)
    window.addEventListener('pointerup', up)
    window.addEventListener('pointercancel', abort)
    cancel = abort
  }

  /** Starts dragging a new box of `size` points from the palette; `place` puts it on the page. */
  function dragNew(event: PointerEvent, size: { w: number; h: number }, label: string, kind: Ghost['kind'], place: (box: Box) => void): void {
    if (event.button !== 0) return
    releaseFocus()
    ghost.value = { left: event.clientX, top: event.clientY, width: size.w * scale.value, height: size.h * scale.value, label, kind }
    track(
      (e) => {
        if (ghost.value) {
          ghost.value.left = e.clientX
          ghost.value.top = e.clientY
        }
      },
      (e) => {
        ghost.value = null
        const hit = pageAt(e.clientX, e.clientY)
        if (!hit) return
        const at = clientToPage(e.clientX, e.clientY, hit.rect, scale.value)
        place({ page: hit.page, x: at.x, y: at.y, w: size.w, h: size.h })
      },
    )
  }

  /** Selects a placed box and moves it while the pointer drags. */
  function grab(item: PageItem, event: PointerEvent): void {
    if (event.button !== 0) return
    releaseFocus()
    draft.selection = item.selection
    const start = { ...item.box }
    const page = draft.page(start.page)
    const { clientX: x0, clientY: y0 } = event
    track(
      (e) => draft.setSelectedBox(moveBox(start, (e.clientX - x0) / scale.value, (e.clientY - y0) / scale.value, page)),
      () => undefined,
    )
  }

  /** Resizes a placed box by one of its corner handles. */
  function resize(item: PageItem, handle: Handle, event: PointerEvent): void {
    if (event.button !== 0) return
    releaseFocus()
    draft.selection = item.selection
    const start = { ...item.box }
    const page = draft.page(start.page)
    const { clientX: x0, clientY: y0 } = event
    track(
      (e) => draft.setSelectedBox(resizeBox(start, handle, (e.clientX - x0) / scale.value, (e.clientY - y0) / scale.value, page)),
      () => undefined,
    )
  }

  onScopeDispose(() => cancel?.())
  return { ghost, dragNew, grab, resize }
}
