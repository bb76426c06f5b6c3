import { describe, expect, it } from 'vitest'
import {
  clampBox,
  clientToPage,
  fitScale,
  MIN_BOX,
  moveBox,
  nudgeFor,
  resizeBox,
  toPixels,
  toPoints,
} from '@/views/contracts/templates/geometry'

const A4 = { width: 595.28, height: 841.89 }

describe('template editor coordinates', () => {
  it('turn viewport pixels into points at the pdf.js scale and back', () => {
    expect(toPoints(150, 1.5)).toBe(100)
    expect(toPixels(100, 1.5)).toBe(150)
    // Rounded to 0.01 pt.
    expect(toPoints(100, 3)).toBe(33.33)
    for (const scale of [0.5, 1, 1.25, 1.333, 2]) expect(toPoints(toPixels(72.5, scale), scale)).toBeCloseTo(72.5, 2)
  })

  it('measure a mouse point from the page element top-left, y downward', () => {
    const rect = { left: 300, top: 120 }
    expect(clientToPage(300, 120, rect, 1.3)).toEqual({ x: 0, y: 0 })
    expect(clientToPage(430, 380, rect, 1.3)).toEqual({ x: 100, y: 200 })
    // A point above and left of the page is negative; clamping happens when placing.
    expect(clientToPage(290, 110, rect, 1)).toEqual({ x: -10, y: -10 })
  })

  it('keep a box inside its page', () => {
    expect(clampBox({ page: 1, x: -5, y: 830, w: 120, h: 20 }, A4)).toEqual({ page: 1, x: 0, y: 821.89, w: 120, h: 20 })
    expect(clampBox({ page: 2, x: 590, y: 10, w: 120, h: 20 }, A4)).toEqual({ page: 2, x: 475.28, y: 10, w: 120, h: 20 })
    expect(clampBox({ page: 1, x: 10, y: 10, w: 900, h: 2 }, A4)).toEqual({ page: 1, x: 0, y: 10, w: 595.28, h: MIN_BOX })
  })

  it('move a box without letting it leave the page', () => {
    const box = { page: 1, x: 100, y: 100, w: 50, h: 20 }
    expect(moveBox(box, 10, -5, A4)).toEqual({ page: 1, x: 110, y: 95, w: 50, h: 20 })
    expect(moveBox(box, -500, 0, A4).x).toBe(0)
  })

  it('resize by a corner, the opposite corner fixed, never under the minimum', () => {
    const box = { page: 1, x: 100, y: 100, w: 50, h: 20 }
    expect(resizeBox(box, 'se', 30, 10, A4)).toEqual({ page: 1, x: 100, y: 100, w: 80, h: 30 })
    expect(resizeBox(box, 'nw', -10, -10, A4)).toEqual({ page: 1, x: 90, y: 90, w: 60, h: 30 })
    expect(resizeBox(box, 'ne', 5, 5, A4)).toEqual({ page: 1, x: 100, y: 105, w: 55, h: 15 })
    expect(resizeBox(box, 'sw', 100, -100, A4)).toEqual({ page: 1, x: 150 - MIN_BOX, y: 100, w: MIN_BOX, h: MIN_BOX })
    expect(resizeBox(box, 'se', 1000, 1000, A4)).toEqual({ page: 1, x: 100, y: 100, w: 495.28, h: 741.89 })
  })

  it('nudge 1 pt with the arrow keys and 10 pt with Shift', () => {
    expect(nudgeFor('ArrowRight', false)).toEqual({ dx: 1, dy: 0 })
    expect(nudgeFor('ArrowUp', true)).toEqual({ dx: 0, dy: -10 })
    expect(nudgeFor('ArrowDown', false)).toEqual({ dx: 0, dy: 1 })
    expect(nudgeFor('ArrowLeft', true)).toEqual({ dx: -10, dy: 0 })
    expect(nudgeFor('a', false)).toBeNull()
  })

  it('fit the widest page into the space, within bounds', () => {
    expect(fitScale([A4, { width: 841.89, height: 595.28 }], 841.89)).toBe(1)
    expect(fitScale([A4], 10_000)).toBe(2)
    expect(fitScale([A4], 100)).toBe(0.5)
  })
})
