//! The bulk archive's zip (§2.5.2.2.3): one filled Excel workbook and the PDFs its rows name.
//! Nothing in it is trusted. Every entry's name is checked before it is used — a name that
//! escapes the folder (`..`), an absolute path, a symbolic link, an encrypted entry are each
//! refused by name — and its data is read with limits that hold whatever the zip's headers
//! claim: each entry at most [`super::scan::MAX_BYTES`] and at most [`MAX_RATIO`] times its
//! compressed size (a zip bomb), the whole at most [`MAX_TOTAL`]. Entries that are neither the
//! workbook nor a PDF are refused too. The junk macOS adds (`__MACOSX/`, `.DS_Store`) and
//! Windows' `Thumbs.db` are skipped, and a zip of a folder is read as that folder's content.
//! Names written in GBK (Windows' zip on a Chinese system) are read as such.

use std::collections::BTreeMap;
use std::io::{Cursor, Read as _};

use serde::Serialize;
use zip::ZipArchive;

use crate::contracts::ContractsError;
use crate::error::{CoreError, PlatformError};

/// Largest upload (bytes).
pub const MAX_ZIP_BYTES: usize = 512 * 1024 * 1024;
/// Most entries.
pub const MAX_ENTRIES: usize = 2001;
/// Most bytes read out of one zip, all entries together.
pub const MAX_TOTAL: u64 = 2 * 1024 * 1024 * 1024;
/// Largest ratio of an entry's data to its compressed size (scanned PDFs compress little; text
/// PDFs about 3:1; a bomb thousands to one). Entries under [`RATIO_FLOOR`] are exempt.
pub const MAX_RATIO: u64 = 100;
pub const RATIO_FLOOR: u64 = 1024 * 1024;
/// Largest workbook.
pub const MAX_WORKBOOK: u64 = 5 * 1024 * 1024;

/// Why an entry could not be used: code, Chinese, English.
pub type Refusal = (&'static str, String, String);

/// A problem of the upload: of an entry of the zip, or of a row of the workbook (numbered as
/// in Excel, with the column's header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackageProblem {
    pub row: Option<u32>,
    pub column: Option<String>,
    /// The zip entry at fault, as named in the zip.
    pub entry: Option<String>,
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

impl PackageProblem {
    pub fn entry(entry: &str, code: &'static str, zh: String, en: String) -> Self {
        Self {
            row: None,
            column: None,
            entry: Some(entry.to_owned()),
            code,
            zh,
            en,
        }
    }

    pub fn row(row: u32, column: Option<&str>, code: &'static str, zh: String, en: String) -> Self {
        Self {
            row: Some(row),
            column: column.map(str::to_owned),
            entry: None,
            code,
            zh,
            en,
        }
    }
}

/// An entry's name as its bytes say: UTF-8 when it is, else GBK.
fn decode_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(name) => name.to_owned(),
        Err(_) => encoding_rs::GBK.decode(raw).0.into_owned(),
    }
}

/// Why a name cannot be used, if it cannot.
fn unsafe_name(name: &str) -> Option<(&'static str, &'static str, &'static str)> {
    let slashed = name.replace('\\', "/");
    let bytes = slashed.as_bytes();
    let drive = bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic();
    if slashed.starts_with('/') || drive {
        return Some((
            "archive_entry_absolute",
            "使用了绝对路径，请在压缩时只包含相对路径",
            "has an absolute path; zip relative paths only",
        ));
    }
    if slashed.split('/').any(|part| part == "..") {
        return Some((
            "archive_entry_escapes",
            "路径含有“..”，会指向压缩包以外的位置",
            "has a '..' part that points outside the zip's folder",
        ));
    }
    if name.chars().any(char::is_control) {
        return Some((
            "archive_entry_name",
            "文件名含有控制字符",
            "has control characters in its name",
        ));
    }
    None
}

/// A path inside the zip as rows name it: forward slashes, no `.` or empty parts.
pub fn normalise(path: &str) -> String {
    path.replace('\\', "/")
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect::<Vec<_>>()
        .join("/")
}

fn is_junk(path: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path);
    path.starts_with("__MACOSX/")
        || base == ".DS_Store"
        || base == "Thumbs.db"
        || base.starts_with("~$")
}

fn lower_ext(path: &str) -> String {
    path.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

/// An opened zip: the workbook found in it, the PDFs by path, and what was wrong with its
/// entries.
pub struct Package {
    zip: ZipArchive<Cursor<Vec<u8>>>,
    /// Bytes read so far, against [`MAX_TOTAL`].
    read: u64,
    pub workbook: Option<(String, Vec<u8>)>,
    /// Normalised path (folder prefix removed) → (name as in the zip, entry index).
    pub pdfs: BTreeMap<String, (String, usize)>,
    pub problems: Vec<PackageProblem>,
}

/// Opens the upload; refuses what is not a zip at all. Problems of entries are collected, not
/// returned as errors. CPU-bound: call it on the blocking pool.
pub fn open(bytes: Vec<u8>) -> Result<Package, CoreError> {
    if bytes.len() > MAX_ZIP_BYTES {
        return Err(PlatformError::TooLarge {
            field: "file",
            limit: MAX_ZIP_BYTES,
        }
        .into());
    }
    if !(bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")) {
        return Err(ContractsError::ArchiveNotZip.into());
    }
    let zip = ZipArchive::new(Cursor::new(bytes)).map_err(|_| ContractsError::ArchiveNotZip)?;
    let mut package = Package {
        zip,
        read: 0,
        workbook: None,
        pdfs: BTreeMap::new(),
        problems: Vec::new(),
    };
    if package.zip.len() > MAX_ENTRIES {
        package.problems.push(PackageProblem::entry(
            "",
            "archive_too_many_entries",
            format!("压缩包中的文件超过 {} 个，请分批归档", MAX_ENTRIES - 1),
            format!(
                "The zip holds more than {} files; archive in several batches",
                MAX_ENTRIES - 1
            ),
        ));
        return Ok(package);
    }
    package.index()?;
    Ok(package)
}

impl Package {
    fn problem(&mut self, entry: &str, code: &'static str, zh: String, en: String) {
        self.problems
            .push(PackageProblem::entry(entry, code, zh, en));
    }

    /// Sorts the entries into the workbook and the PDFs, refusing the rest by name.
    fn index(&mut self) -> Result<(), CoreError> {
        let mut files: Vec<(String, String, usize)> = Vec::new();
        let mut declared: u64 = 0;
        for index in 0..self.zip.len() {
            let entry = self
                .zip
                .by_index_raw(index)
                .map_err(|_| ContractsError::ArchiveNotZip)?;
            let name = decode_name(entry.name_raw());
            let (dir, symlink, encrypted) = (entry.is_dir(), entry.is_symlink(), entry.encrypted());
            let (size, compressed) = (entry.size(), entry.compressed_size());
            drop(entry);
            if let Some((code, zh, en)) = unsafe_name(&name) {
                self.problem(&name, code, zh.into(), format!("The entry {en}"));
                continue;
            }
            if symlink {
                self.problem(
                    &name,
                    "archive_entry_symlink",
                    "是符号链接，压缩包中只能包含普通文件".into(),
                    "is a symbolic link; the zip may hold ordinary files only".into(),
                );
                continue;
            }
            if dir {
                continue;
            }
            let path = normalise(&name);
            if is_junk(&path) {
                continue;
            }
            if encrypted {
                self.problem(
                    &name,
                    "archive_entry_encrypted",
                    "已加密，请压缩时不要设置密码".into(),
                    "is encrypted; zip it without a password".into(),
                );
                continue;
            }
            declared = declared.saturating_add(size);
            if size > RATIO_FLOOR && size / compressed.max(1) > MAX_RATIO {
                self.problem(
                    &name,
                    "archive_entry_bomb",
                    format!("压缩比异常（超过 {MAX_RATIO}:1），疑似压缩炸弹"),
                    format!("is compressed more than {MAX_RATIO}:1, like a zip bomb"),
                );
                continue;
            }
            files.push((path, name, index));
        }
        if declared > MAX_TOTAL {
            self.problem(
                "",
                "archive_too_large",
                format!("解压后超过 {} GB", MAX_TOTAL >> 30),
                format!("The zip unpacks to more than {} GB", MAX_TOTAL >> 30),
            );
            return Ok(());
        }
        self.sort(files);
        Ok(())
    }

    /// Files by kind: the PDFs, the one workbook (read here), and the rest refused. A zip of one
    /// folder is read as that folder's content.
    fn sort(&mut self, mut files: Vec<(String, String, usize)>) {
        let folder = files
            .first()
            .and_then(|(p, _, _)| p.split_once('/').map(|(f, _)| format!("{f}/")));
        if let Some(folder) = folder
            && files.iter().all(|(p, _, _)| p.starts_with(&folder))
        {
            for file in &mut files {
                file.0 = file.0[folder.len()..].to_owned();
            }
        }
        let mut workbooks = Vec::new();
        for (path, name, index) in files {
            match lower_ext(&path).as_str() {
                "pdf" => {
                    self.pdfs.insert(path, (name, index));
                }
                "xlsx" => workbooks.push((name, index)),
                "xls" | "et" | "csv" => self.problem(
                    &name,
                    "archive_workbook_format",
                    "请使用下载的 Excel 模板（.xlsx 格式）填写".into(),
                    "Fill in the downloaded Excel template (.xlsx)".into(),
                ),
                _ => self.problem(
                    &name,
                    "archive_entry_not_pdf",
                    "不是 PDF 文件；压缩包中只能有一个 Excel 和它列出的 PDF".into(),
                    "is not a PDF; the zip may hold one Excel and the PDFs it names".into(),
                ),
            }
        }
        match workbooks.len() {
            0 => self.problem(
                "",
                "archive_no_workbook",
                "压缩包中没有填写好的 Excel（.xlsx）文件".into(),
                "The zip holds no filled Excel (.xlsx) workbook".into(),
            ),
            1 => {
                let (name, index) = workbooks.remove(0);
                match self.read_entry(index, MAX_WORKBOOK) {
                    Ok(bytes) => self.workbook = Some((name, bytes)),
                    Err((code, zh, en)) => self.problem(&name, code, zh, en),
                }
            }
            _ => {
                let names: Vec<String> = workbooks.into_iter().map(|(n, _)| n).collect();
                self.problem(
                    "",
                    "archive_many_workbooks",
                    format!("压缩包中只能有一个 Excel 文件，现有：{}", names.join("、")),
                    format!(
                        "The zip may hold one Excel workbook; it holds {}",
                        names.join(", ")
                    ),
                );
            }
        }
    }

    /// An entry's data, at most `limit` bytes and within the ratio and total limits whatever
    /// its header claims.
    pub fn read_entry(&mut self, index: usize, limit: u64) -> Result<Vec<u8>, Refusal> {
        let unreadable = || {
            (
                "archive_entry_unreadable",
                "无法解压（压缩包已损坏或使用了不支持的压缩方式）".to_owned(),
                "cannot be unpacked (damaged, or an unsupported method)".to_owned(),
            )
        };
        let mut entry = self.zip.by_index(index).map_err(|_| unreadable())?;
        let by_ratio = entry
            .compressed_size()
            .max(1)
            .saturating_mul(MAX_RATIO)
            .max(RATIO_FLOOR);
        let cap = limit.min(by_ratio).min(MAX_TOTAL.saturating_sub(self.read));
        let mut bytes = Vec::new();
        (&mut entry)
            .take(cap + 1)
            .read_to_end(&mut bytes)
            .map_err(|_| unreadable())?;
        self.read += bytes.len() as u64;
        if bytes.len() as u64 > cap {
            return Err(if cap == limit {
                (
                    "archive_entry_too_large",
                    format!("超过 {} MB", limit >> 20),
                    format!("is larger than {} MB", limit >> 20),
                )
            } else {
                (
                    "archive_entry_bomb",
                    format!("解压后的数据异常膨胀（超过压缩前的 {MAX_RATIO} 倍），疑似压缩炸弹"),
                    format!(
                        "unpacks to more than {MAX_RATIO} times its compressed size, like a zip bomb"
                    ),
                )
            });
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use zip::write::SimpleFileOptions;

    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in entries {
            out.start_file(*name, SimpleFileOptions::default()).unwrap();
            out.write_all(data).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    fn codes(package: &Package) -> Vec<&'static str> {
        package.problems.iter().map(|p| p.code).collect()
    }

    #[test]
    fn names_that_escape_or_are_absolute_are_refused() {
        assert_eq!(
            unsafe_name("a/../../b.pdf").unwrap().0,
            "archive_entry_escapes"
        );
        assert_eq!(unsafe_name("..\\b.pdf").unwrap().0, "archive_entry_escapes");
        assert_eq!(
            unsafe_name("/etc/passwd").unwrap().0,
            "archive_entry_absolute"
        );
        assert_eq!(
            unsafe_name("C:\\x.pdf").unwrap().0,
            "archive_entry_absolute"
        );
        assert!(unsafe_name("合同/张三.pdf").is_none());
        assert!(unsafe_name("a..b.pdf").is_none());
    }

    #[test]
    fn entries_are_sorted_and_the_rest_named() {
        let bytes = zip_of(&[
            ("批次/归档.xlsx", b"PK fake"),
            ("批次/张三.pdf", b"%PDF-1.7"),
            ("批次/说明.txt", b"hello"),
            ("批次/.DS_Store", b""),
        ]);
        let package = open(bytes).unwrap();
        assert_eq!(codes(&package), ["archive_entry_not_pdf"]);
        assert_eq!(package.problems[0].entry.as_deref(), Some("批次/说明.txt"));
        assert!(package.pdfs.contains_key("张三.pdf"), "{:?}", package.pdfs);
        assert_eq!(package.workbook.as_ref().unwrap().0, "批次/归档.xlsx");
    }

    #[test]
    fn a_bomb_is_refused_before_it_is_unpacked() {
        let zeros = vec![0u8; 8 * 1024 * 1024];
        let package = open(zip_of(&[("a.xlsx", b"x"), ("bomb.pdf", &zeros)])).unwrap();
        assert_eq!(codes(&package), ["archive_entry_bomb"]);
    }

    #[test]
    fn a_symbolic_link_is_refused() {
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        out.start_file("a.xlsx", SimpleFileOptions::default())
            .unwrap();
        out.write_all(b"x").unwrap();
        out.add_symlink("张三.pdf", "/etc/passwd", SimpleFileOptions::default())
            .unwrap();
        let package = open(out.finish().unwrap().into_inner()).unwrap();
        assert_eq!(codes(&package), ["archive_entry_symlink"]);
        assert!(package.pdfs.is_empty());
    }

    #[test]
    fn two_workbooks_or_none_are_refused() {
        let none = open(zip_of(&[("a.pdf", b"%PDF")])).unwrap();
        assert_eq!(codes(&none), ["archive_no_workbook"]);
        let two = open(zip_of(&[("a.xlsx", b"x"), ("b.xlsx", b"y")])).unwrap();
        assert_eq!(codes(&two), ["archive_many_workbooks"]);
    }

    #[test]
    fn what_is_not_a_zip_is_refused_whole() {
        assert!(open(b"%PDF-1.7".to_vec()).is_err());
        assert!(open(b"PK\x03\x04 broken".to_vec()).is_err());
    }

    #[test]
    fn gbk_names_are_read() {
        let (gbk, _, _) = encoding_rs::GBK.encode("张三.pdf");
        assert_eq!(decode_name(&gbk), "张三.pdf");
    }
}
