//! Opening an uploaded workbook (the employee roster, a bulk launch): only an `.xlsx` — a zip
//! archive, refused on its first bytes before the parser sees anything else — no larger than the
//! caller's limit, and its first sheet no taller than ten times the caller's row limit (blank
//! rows included), so a hostile file is refused before it is copied.

use std::io::Cursor;

use calamine::{Data, Range, Reader as _, Xlsx};

use crate::contracts::ContractsError;
use crate::error::{CoreError, PlatformError};

/// The first sheet's cells, and its merged areas as (first row, last row).
pub struct FirstSheet {
    pub range: Range<Data>,
    pub merged: Vec<(u32, u32)>,
}

/// Opens the first sheet of `bytes`, refusing what is too large, not an `.xlsx`, or far more
/// rows than `max_rows`.
pub fn first_sheet(
    bytes: &[u8],
    max_bytes: usize,
    max_rows: usize,
) -> Result<FirstSheet, CoreError> {
    if bytes.len() > max_bytes {
        return Err(PlatformError::TooLarge {
            field: "file",
            limit: max_bytes,
        }
        .into());
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(ContractsError::ImportNotExcel.into());
    }
    let mut workbook: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|_| ContractsError::ImportNotExcel)?;
    let name = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or(ContractsError::ImportNotExcel)?;
    let range = workbook
        .worksheet_range(&name)
        .map_err(|_| ContractsError::ImportNotExcel)?;
    if range.height() > max_rows * 10 {
        return Err(ContractsError::ImportTooManyRows(max_rows).into());
    }
    let merged = workbook
        .merge_cells_by_sheet_name(&name)
        .map_err(|_| ContractsError::ImportNotExcel)?
        .iter()
        .map(|d| (d.start.0, d.end.0))
        .collect();
    Ok(FirstSheet { range, merged })
}
