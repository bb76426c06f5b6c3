//! Content-stream operators for frozen marks: QR codes as filled rectangles, and text runs.

use std::fmt::Write as _;

use qrcode::{Color, QrCode};

use crate::error::{PdfError, Result};
use crate::freeze::font::TextFont;

/// Light modules around the symbol, as the QR specification asks.
pub const QUIET_ZONE: usize = 4;

/// The resource name of the frozen text's font inside the overlay form.
pub const FONT_NAME: &str = "SgF1";

/// A number written compactly for a content stream.
pub fn num(value: f32) -> String {
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

/// The modules of the QR code for `data`, row by row from the top (`true` = dark).
pub fn qr_modules(data: &str) -> Result<(usize, Vec<bool>)> {
    let code = QrCode::new(data.as_bytes())
        .map_err(|e| PdfError::InvalidRequest(format!("QR code: {e}")))?;
    Ok((
        code.width(),
        code.to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect(),
    ))
}

/// Draw the QR code for `data` as a `size`-point square (quiet zone included) with its
/// lower-left corner at (`x`, `y`): a white square, then one rectangle per run of dark modules.
pub fn qr_ops(data: &str, x: f32, y: f32, size: f32) -> Result<String> {
    let (width, modules) = qr_modules(data)?;
    #[expect(clippy::cast_precision_loss, reason = "QR widths are at most 177")]
    let module = size / (width + 2 * QUIET_ZONE) as f32;
    let mut out = format!(
        "q 1 1 1 rg {} {} {} {} re f 0 0 0 rg\n",
        num(x),
        num(y),
        num(size),
        num(size)
    );
    for (row, line) in modules.chunks(width).enumerate() {
        let mut col = 0;
        while col < width {
            if !line[col] {
                col += 1;
                continue;
            }
            let start = col;
            while col < width && line[col] {
                col += 1;
            }
            #[expect(clippy::cast_precision_loss, reason = "small module counts")]
            let (left, top, run) = (
                (start + QUIET_ZONE) as f32,
                (row + QUIET_ZONE + 1) as f32,
                (col - start) as f32,
            );
            let _ = writeln!(
                out,
                "{} {} {} {} re",
                num(x + left * module),
                num(y + size - top * module),
                num(run * module),
                num(module)
            );
        }
    }
    out.push_str("f Q\n");
    Ok(out)
}

/// The resource name of the second (serif) font of frozen text.
pub const SERIF_FONT_NAME: &str = "SgF2";

/// Show `text` in the frozen font with its baseline starting at (`x`, `y`).
pub fn text_ops(font: &TextFont, text: &str, x: f32, y: f32, size: f32) -> String {
    text_ops_in(FONT_NAME, font, text, x, y, size)
}

/// Show `text` in the font under resource name `name`.
pub fn text_ops_in(name: &str, font: &TextFont, text: &str, x: f32, y: f32, size: f32) -> String {
    format!(
        "BT 0 0 0 rg /{name} {} Tf {} {} Td {} Tj ET\n",
        num(size),
        num(x),
        num(y),
        font.encode(text)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_compact() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(-0.0001), "0");
        assert_eq!(num(595.303_9), "595.304");
    }

    #[test]
    fn one_rectangle_per_dark_run() {
        let ops = qr_ops("https://example.test/1", 0.0, 0.0, 100.0).unwrap();
        let (width, modules) = qr_modules("https://example.test/1").unwrap();
        let runs: usize = modules
            .chunks(width)
            .map(|row| {
                row.iter()
                    .enumerate()
                    .filter(|(i, d)| **d && (*i == 0 || !row[i - 1]))
                    .count()
            })
            .sum();
        assert_eq!(ops.matches(" re").count(), runs + 1);
    }
}
