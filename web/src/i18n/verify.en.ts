// File verification (the public page /verify).
export const verifyEn = {
  title: 'Verify a file',
  intro: 'Upload a PDF signed on this platform. Every signature in it is checked: who signed, whether the certificate was issued by this platform, when it was signed, and whether the file changed afterwards. The file is used for this check only and is not kept.',
  drop: 'Drop a PDF here, or click to choose a file',
  limit: 'PDF only, {size} at most',
  tooLarge: 'The file is too large; the limit is {size}',
  uploading: 'Uploading {name}…',
  checking: 'Verifying {name}…',
  file: 'File: {name} ({revisions} revision) | File: {name} ({revisions} revisions)',
  signature: 'Signature {n}',
  documentTimestamp: 'Item {n}: document timestamp',
  details: 'Technical details',
  verdict: {
    valid: 'Verified',
    invalid: 'Verification failed',
    foreign: 'Not signed on this platform',
    unsigned: 'The file is not signed',
  },
  status: {
    valid: 'Valid',
    invalid: 'Not valid',
    foreign: 'Signed elsewhere',
  },
}
