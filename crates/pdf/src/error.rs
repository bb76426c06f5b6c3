//! The crate's one error type, each variant with a stable code the server maps to problem+json.

/// Everything that can go wrong in `signet-pdf`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PdfError {
    /// The input is larger than we read.
    #[error("PDF too large ({0} bytes)")]
    TooLarge(usize),
    /// The input does not start like a PDF.
    #[error("not a PDF file")]
    NotPdf,
    /// The file ends before its last `%%EOF`/`startxref`: it was cut short.
    #[error("PDF is truncated")]
    Truncated,
    /// The cross-reference data is unreadable (the file would have to be rebuilt by scanning).
    #[error("PDF cross-reference table is broken")]
    BrokenXref,
    /// Encrypted PDFs are neither signed nor verified.
    #[error("PDF is encrypted")]
    Encrypted,
    /// The file parses but its structure is not what a PDF needs.
    #[error("malformed PDF: {0}")]
    Malformed(String),
    /// A structure nests deeper (or loops) beyond what we follow.
    #[error("PDF structure nests too deeply or loops: {0}")]
    TooDeep(String),
    /// The caller asked for something the document cannot give (page out of range, …).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// An image (seal, handwriting) could not be read.
    #[error("image error: {0}")]
    Image(String),
    /// A font could not be found, read or subset.
    #[error("font error: {0}")]
    Font(String),
    /// The file is already signed: changing its pages now would break the signatures.
    #[error("PDF is already signed; content must be frozen before the first signature")]
    AlreadySigned,
    /// The signature did not fit the space reserved for it.
    #[error("signature of {needed} bytes does not fit its {reserved}-byte placeholder")]
    PlaceholderTooSmall {
        /// Bytes the encoded CMS needs.
        needed: usize,
        /// Bytes reserved.
        reserved: usize,
    },
    /// The time-stamping authority failed or answered badly; never silently downgraded.
    #[error("time-stamping failed: {0}")]
    Timestamp(String),
    /// Revocation data could not be gathered for B-LT.
    #[error("revocation data unavailable: {0}")]
    Revocation(String),
    /// Certificate or key problems (loading, parsing, mismatch).
    #[error("certificate or key error: {0}")]
    Credentials(String),
    /// An error from the PKI layer.
    #[error(transparent)]
    Pki(#[from] signet_pki::PkiError),
    /// Reading or writing a file.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

impl PdfError {
    /// Stable machine-readable code, e.g. `pdf.truncated`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge(_) => "pdf.too_large",
            Self::NotPdf => "pdf.not_pdf",
            Self::Truncated => "pdf.truncated",
            Self::BrokenXref => "pdf.broken_xref",
            Self::Encrypted => "pdf.encrypted",
            Self::Malformed(_) => "pdf.malformed",
            Self::TooDeep(_) => "pdf.too_deep",
            Self::InvalidRequest(_) => "pdf.invalid_request",
            Self::Image(_) => "pdf.image",
            Self::Font(_) => "pdf.font",
            Self::AlreadySigned => "pdf.already_signed",
            Self::PlaceholderTooSmall { .. } => "pdf.placeholder_too_small",
            Self::Timestamp(_) => "pdf.timestamp",
            Self::Revocation(_) => "pdf.revocation",
            Self::Credentials(_) => "pdf.credentials",
            Self::Pki(inner) => inner.code(),
            Self::Io(_) => "pdf.io",
        }
    }
}

impl From<lopdf::Error> for PdfError {
    fn from(error: lopdf::Error) -> Self {
        Self::Malformed(error.to_string())
    }
}

impl From<der::Error> for PdfError {
    fn from(error: der::Error) -> Self {
        Self::Pki(signet_pki::PkiError::from(error))
    }
}

/// Result with [`PdfError`].
pub type Result<T> = std::result::Result<T, PdfError>;
