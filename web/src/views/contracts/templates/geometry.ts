// Coordinates of the template editor. The API speaks points on the page as displayed (rotation
// applied), origin top-left, y downward; the screen speaks CSS pixels of a pdf.js viewport drawn
// at `scale` CSS pixels per point. Everything stored is in points, rounded to 0.01 pt.
import type { Box, PageSize } from '@/api/templates'

/** The smallest box the editor makes, in points. */
export const MIN_BOX = 8

export const round2 = (n: number): number => Math.round(n * 100) / 100

/** CSS pixels on the viewport → points. */
export function toPoints(px: number, scale: number): number {
  return round2(px / scale)
}

/** Points → CSS pixels on the viewport. */
export function toPixels(pt: number, scale: number): number {
  return pt * scale
}

/** A point of the window (a mouse event's clientX/Y) → points on the page whose element has `rect`. */
export function clientToPage(
  clientX: number,
  clientY: number,
  rect: { left: number; top: number },
  scale: number,
): { x: number; y: number } {
  return { x: toPoints(clientX - rect.left, scale), y: toPoints(clientY - rect.top, scale) }
}

/** The CSS box (left, top, width, height in pixels) that draws `box` at `scale`. */
export function boxStyle(box: Box, scale: number): { left: string; top: string; width: string; height: string } {
  return {
    left: `${toPixels(box.x, scale)}px`,
    top: `${toPixels(box.y, scale)}px`,
    width: `${toPixels(box.w, scale)}px`,
    height: `${toPixels(box.h, scale)}px`,
  }
}

/** Keeps a box inside its page: shrinks it to fit, then moves it in. */
export function clampBox(box: Box, page: PageSize): Box {
  const w = Math.min(Math.max(box.w, MIN_BOX), page.width)
  const h = Math.min(Math.max(box.h, MIN_BOX), page.height)
  const x = Math.min(Math.max(box.x, 0), page.width - w)
  const y = Math.min(Math.max(box.y, 0), page.height - h)
  return { page: box.page, x: round2(x), y: round2(y), w: round2(w), h: round2(h) }
}

/** A box moved by (dx, dy) points, kept inside the page. */
export function moveBox(box: Box, dx: number, dy: number, page: PageSize): Box {
  return clampBox({ ...box, x: box.x + dx, y: box.y + dy }, page)
}

export type Handle = 'nw' | 'ne' | 'sw' | 'se'
export const HANDLES: Handle[] = ['nw', 'ne', 'sw', 'se']

/**
 * A box resized by dragging the corner `handle` by (dx, dy) points: the opposite corner stays
 * put, the size never falls under MIN_BOX and the box never leaves the page.
 */
export function resizeBox(box: Box, handle: Handle, dx: number, dy: number, page: PageSize): Box {
  let left = box.x
  let top = box.y
  let right = box.x + box.w
  let bottom = box.y + box.h
  if (handle === 'nw' || handle === 'sw') left = Math.min(Math.max(left + dx, 0), right - MIN_BOX)
  else right = Math.max(Math.min(right + dx, page.width), left + MIN_BOX)
  if (handle === 'nw' || handle === 'ne') top = Math.min(Math.max(top + dy, 0), bottom - MIN_BOX)
  else bottom = Math.max(Math.min(bottom + dy, page.height), top + MIN_BOX)
  return clampBox({ page: box.page, x: left, y: top, w: right - left, h: bottom - top }, page)
}

/** The step of an arrow key: 1 pt, 10 pt with Shift; null for other keys. */
export function nudgeFor(key: string, shift: boolean): { dx: number; dy: number } | null {
  const step = shift ? 10 : 1
  switch (key) {
    case 'ArrowLeft':
      return { dx: -step, dy: 0 }
    case 'ArrowRight':
      return { dx: step, dy: 0 }
    case 'ArrowUp':
      return { dx: 0, dy: -step }
    case 'ArrowDown':
      return { dx: 0, dy: step }
    default:
      return null
  }
}

/** The scale that fits the widest page into `available` CSS pixels, within [0.5, 2]. */
export function fitScale(pages: PageSize[], available: number): number {
  const widest = Math.max(...pages.map((p) => p.width), 1)
  return Math.min(2, Math.max(0.5, available / widest))
}
