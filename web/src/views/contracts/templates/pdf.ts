// pdf.js for the template editor, loaded only when the editor opens. The worker is a file of our
// own bundle (Vite's `?url`), never a CDN; scripts inside PDFs are never evaluated.
import type { PDFDocumentProxy } from 'pdfjs-dist'
import { ApiError, parseProblem } from '@/api/client'

/** Fetches the PDF with the session's cookies and opens it with pdf.js. */
export async function openPdf(url: string): Promise<PDFDocumentProxy> {
  const [pdfjs, worker] = await Promise.all([import('pdfjs-dist'), import('pdfjs-dist/build/pdf.worker.min.mjs?url')])
  pdfjs.GlobalWorkerOptions.workerSrc = worker.default
  const res = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/pdf' } })
  if (!res.ok) throw new ApiError(await parseProblem(res))
  const data = new Uint8Array(await res.arrayBuffer())
  return pdfjs.getDocument({ data, isEvalSupported: false, enableXfa: false }).promise
}

/** Draws page `n` into `canvas` at `scale` CSS pixels per point, sharp on high-density screens. */
export async function drawPage(pdf: PDFDocumentProxy, n: number, canvas: HTMLCanvasElement, scale: number): Promise<void> {
  const page = await pdf.getPage(n)
  const viewport = page.getViewport({ scale })
  const ratio = globalThis.devicePixelRatio || 1
  canvas.width = Math.floor(viewport.width * ratio)
  canvas.height = Math.floor(viewport.height * ratio)
  canvas.style.width = `${viewport.width}px`
  canvas.style.height = `${viewport.height}px`
  await page.render({ canvas, viewport, transform: ratio === 1 ? undefined : [ratio, 0, 0, ratio, 0, 0] }).promise
}
