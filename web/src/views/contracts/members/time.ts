// Times as the members pages show them: the server's RFC 3339 text, in China time.
import { formatTime } from '@/utils/desk'

export function formatStamp(text: string | null | undefined): string {
  if (!text) return ''
  const ms = Date.parse(text)
  return Number.isFinite(ms) ? formatTime(Math.floor(ms / 1000)) : text
}
