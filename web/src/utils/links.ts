// Links that come from the catalog (a channel admin typed them): only https and same-site paths
// become links, so a `javascript:` or `data:` URL saved by anyone can never run in our origin.
// The server refuses them on save and drops them on read; this is the last line.

/** Characters a browser strips or folds while parsing a URL (`java\tscript:` is `javascript:`). */
// eslint-disable-next-line no-control-regex
const HIDDEN = /[\u0000-\u0020\u007f-\u009f\\]/

/**
 * `url` when it is safe as an `href` (https with a host and no credentials, or a path or
 * relative reference on this site), else `null`.
 */
export function safeLink(url: string | null | undefined): string | null {
  if (!url || HIDDEN.test(url)) return null
  if (url.startsWith('//')) return null
  const scheme = /^([^/?#:]*):/.exec(url)
  if (!scheme) return url
  if (scheme[1]?.toLowerCase() !== 'https') return null
  try {
    const parsed = new URL(url)
    if (parsed.protocol !== 'https:' || !parsed.hostname || parsed.username || parsed.password) return null
    return url
  } catch {
    return null
  }
}
