// Public verification of a signed PDF (`POST /api/v1/verify`, no session needed). The upload
// goes through XMLHttpRequest so the page can show its progress; errors come back as problems.
import { api, parseProblem, networkProblem, ApiError } from './client'
import type { Schemas } from './operations'

export type VerificationReport = Schemas['VerificationReport']
export type SignatureView = Schemas['SignatureView']

/** The largest file the server takes (50 MB). */
export const MAX_PDF_BYTES = 50 * 1024 * 1024

/** Uploads `file`; `onProgress` gets the uploaded fraction (0..1). */
export function verifyPdf(file: File, onProgress: (fraction: number) => void): Promise<VerificationReport> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', '/api/v1/verify')
    xhr.setRequestHeader('Accept', 'application/json')
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total)
    }
    xhr.onload = async () => {
      if (xhr.status === 200) {
        try {
          resolve(JSON.parse(xhr.responseText) as VerificationReport)
        } catch (cause) {
          reject(new ApiError(networkProblem(cause)))
        }
        return
      }
      const response = new Response(xhr.responseText, {
        status: xhr.status,
        headers: { 'Content-Type': xhr.getResponseHeader('Content-Type') ?? 'application/json' },
      })
      reject(new ApiError(await parseProblem(response)))
    }
    xhr.onerror = () => reject(new ApiError(networkProblem(new Error('upload failed'))))
    const form = new FormData()
    form.append('file', file, file.name)
    xhr.send(form)
  })
}

// The public page a page QR code opens (`/verify/tasks/:task/documents/:n/pages/:page`): one
// page of a contract as the platform holds it now, with its state and masked parties.
export type PublicPage = Schemas['PublicPage']
export type PublicParty = Schemas['PublicParty']

const enc = encodeURIComponent

function pagePath(task: string, document: string | number, page: string | number): string {
  return `/api/v1/verify/tasks/${enc(task)}/documents/${enc(String(document))}/pages/${enc(String(page))}`
}

/** The page's facts (404 `page_not_found` for an unknown task, document or page). */
export function publicPage(task: string, document: string | number, page: string | number): Promise<PublicPage> {
  return api.get(pagePath(task, document, page))
}

/** The page rendered as PNG; `sha256` names the revision, so a new signature is a new URL. */
export function publicPageImage(task: string, document: number, page: number, sha256: string): string {
  return `${pagePath(task, document, page)}/png?v=${enc(sha256.slice(0, 16))}`
}
