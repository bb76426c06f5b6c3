//! File answers (PDFs, zips): the type, how the browser should treat the file and under which
//! name, never sniffed as something else, and private to the reader's browser.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// How long a browser may keep a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caching {
    /// Not at all: the file is personal or changes.
    NoStore,
    /// A day, never revalidated: the URL names content that never changes.
    Immutable,
}

impl Caching {
    fn header(self) -> &'static str {
        match self {
            Self::NoStore => "private, no-store",
            Self::Immutable => "private, max-age=86400, immutable",
        }
    }
}

/// A file answer. `filename` makes it an attachment saved under that name; `None` shows it
/// inline (a PDF viewer, an `<iframe>`).
pub fn file(
    content_type: &'static str,
    filename: Option<&str>,
    caching: Caching,
    bytes: Vec<u8>,
) -> Response {
    let disposition = filename.map_or_else(
        || "inline".to_owned(),
        |name| {
            format!(
                "attachment; filename=\"{}\"",
                name.replace(['"', '\\'], "_")
            )
        },
    );
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, caching.header().to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// A PDF answer (see [`file`]).
pub fn pdf(filename: Option<&str>, caching: Caching, bytes: Vec<u8>) -> Response {
    file("application/pdf", filename, caching, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_carry_their_disposition_and_are_never_cached_by_default() {
        let answer = pdf(Some("a\"b.pdf"), Caching::NoStore, b"%PDF".to_vec());
        let headers = answer.headers();
        assert_eq!(headers[header::CONTENT_TYPE], "application/pdf");
        assert_eq!(
            headers[header::CONTENT_DISPOSITION],
            "attachment; filename=\"a_b.pdf\""
        );
        assert_eq!(headers[header::CACHE_CONTROL], "private, no-store");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        let inline = pdf(None, Caching::Immutable, Vec::new());
        assert_eq!(inline.headers()[header::CONTENT_DISPOSITION], "inline");
    }
}
