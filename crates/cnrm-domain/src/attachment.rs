//! Documents attached to a case (scans of consent forms, copies of identity documents, medical
//! reports…), called *attachments* here: "documents" are the person's identity documents.
//!
//! What a file is gets decided from its first bytes (its magic number), never from its name or from
//! what the sender's browser claims; only PDF, JPEG, PNG and WebP are accepted on a case, up to
//! [`MAX_ATTACHMENT_BYTES`] (an agreement's signed document may also be an office document, see
//! [`DOCUMENT_TYPES`]). Each file's SHA-256 checksum is kept: the same scan is not attached
//! twice to one case, and a file whose bytes no longer match their checksum is never served.

use crate::person::coded_enum;
use crate::validation::clean_text;
use crate::Locale;
use sha2::{Digest, Sha256};

/// The largest file accepted: 5 MiB (shown as "5 Mo" / "5 MB").
pub const MAX_ATTACHMENT_BYTES: usize = 5 * 1024 * 1024;

/// The longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

/// The longest file name kept, in characters (the extension included).
pub const MAX_FILE_NAME_CHARS: usize = 120;

coded_enum! {
    /// What an attached file is, for the case worker.
    pub enum AttachmentKind in "attachment-kind" {
        ConsentForm = "consent_form",
        IdentityDocumentCopy = "identity_document_copy",
        MedicalReport = "medical_report",
        AssessmentForm = "assessment_form",
        SignedPlan = "signed_plan",
        Other = "other",
    }
}

coded_enum! {
    /// The accepted file types, as recognised from their content.
    pub enum FileType in "attachment-type" {
        Pdf = "pdf",
        Jpeg = "jpeg",
        Png = "png",
        Webp = "webp",
        Doc = "doc",
        Docx = "docx",
        Xls = "xls",
        Xlsx = "xlsx",
        Odt = "odt",
        Ods = "ods",
    }
}

/// What a case attachment may be: scans and photos.
pub const SCAN_TYPES: &[FileType] = &[FileType::Pdf, FileType::Jpeg, FileType::Png, FileType::Webp];

/// What an agreement's signed document may be: a scan, a photo or an office document.
pub const DOCUMENT_TYPES: &[FileType] = &FileType::ALL;

impl FileType {
    /// The media type sent with the file.
    pub fn mime(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
            FileType::Webp => "image/webp",
            FileType::Doc => "application/msword",
            FileType::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileType::Xls => "application/vnd.ms-excel",
            FileType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileType::Odt => "application/vnd.oasis.opendocument.text",
            FileType::Ods => "application/vnd.oasis.opendocument.spreadsheet",
        }
    }

    /// The usual extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Jpeg => "jpg",
            FileType::Png => "png",
            FileType::Webp => "webp",
            FileType::Doc => "doc",
            FileType::Docx => "docx",
            FileType::Xls => "xls",
            FileType::Xlsx => "xlsx",
            FileType::Odt => "odt",
            FileType::Ods => "ods",
        }
    }

    fn extensions(self) -> &'static [&'static str] {
        match self {
            FileType::Pdf => &["pdf"],
            FileType::Jpeg => &["jpg", "jpeg"],
            FileType::Png => &["png"],
            FileType::Webp => &["webp"],
            FileType::Doc => &["doc"],
            FileType::Docx => &["docx"],
            FileType::Xls => &["xls"],
            FileType::Xlsx => &["xlsx"],
            FileType::Odt => &["odt"],
            FileType::Ods => &["ods"],
        }
    }

    /// The type recognised from the file's first bytes, if it is one of those known here.
    pub fn sniff(bytes: &[u8]) -> Option<FileType> {
        let mime = infer::get(bytes)?.mime_type();
        FileType::ALL.into_iter().find(|t| t.mime() == mime)
    }
}

/// Checks a case attachment's content: not empty, not over the limit, a scan or a photo (by its
/// bytes). The error is a message key (`error-attachment-empty`, `-too-large`, `-type`).
pub fn check_content(bytes: &[u8]) -> Result<FileType, &'static str> {
    check_content_among(bytes, SCAN_TYPES, "error-attachment-type")
}

/// Checks a file's content: not empty, not over the limit, of one of the `accepted` types (by its
/// bytes); `wrong_type` is the message key for any other file.
pub fn check_content_among(
    bytes: &[u8],
    accepted: &[FileType],
    wrong_type: &'static str,
) -> Result<FileType, &'static str> {
    if bytes.is_empty() {
        Err("error-attachment-empty")
    } else if bytes.len() > MAX_ATTACHMENT_BYTES {
        Err("error-attachment-too-large")
    } else {
        FileType::sniff(bytes).filter(|t| accepted.contains(t)).ok_or(wrong_type)
    }
}

/// The SHA-256 checksum of a file, in lower-case hexadecimal.
pub fn checksum(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The optional description: whitespace collapsed, at most [`MAX_DESCRIPTION_CHARS`].
pub fn parse_description(raw: &str) -> Result<String, &'static str> {
    clean_text(raw, 0, MAX_DESCRIPTION_CHARS)
}

/// The name a file is kept and offered under: the last part of what the browser sent (never a
/// path), without control or reserved characters, shortened, and ending with the extension of the
/// type its bytes showed (`scan.exe` holding a PDF becomes `scan.exe.pdf`).
pub fn clean_file_name(raw: &str, file_type: FileType) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .map(|c| if c.is_control() || "<>:\"|?*".contains(c) { '_' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let cleaned = cleaned.trim_matches(|c: char| c == '.' || c == ' ').to_string();
    let (stem, extension) = match cleaned.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem.to_string(), ext.to_lowercase()),
        _ => (cleaned.clone(), String::new()),
    };
    let stem = if file_type.extensions().contains(&extension.as_str()) {
        stem
    } else if cleaned.is_empty() {
        "document".to_string()
    } else {
        cleaned
    };
    let room = MAX_FILE_NAME_CHARS - file_type.extension().len() - 1;
    let stem: String = stem.chars().take(room).collect();
    format!("{}.{}", stem.trim_end(), file_type.extension())
}

/// The `Content-Disposition` of a download: always `attachment` (never shown inline), with an
/// ASCII `filename` for old clients and the exact name as `filename*` (RFC 6266, RFC 8187).
pub fn content_disposition(file_name: &str) -> String {
    let ascii: String =
        file_name.chars().map(|c| if c.is_ascii_alphanumeric() || " ._-()".contains(c) { c } else { '_' }).collect();
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A size as people read it, in the user's language: `7,2 Mo`, `350 Ko` / `7.2 MB`, `350 KB`.
/// Rounded up, so that a file just over the limit never reads as the limit itself.
pub fn human_size(bytes: u64, locale: Locale) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    let (units, unit) = if bytes >= MIB {
        ((bytes * 10).div_ceil(MIB), if locale == Locale::Fr { "Mo" } else { "MB" })
    } else {
        (bytes.div_ceil(KIB) * 10, if locale == Locale::Fr { "Ko" } else { "KB" })
    };
    let (whole, tenth) = (units / 10, units % 10);
    match (tenth, locale) {
        (0, _) => format!("{whole} {unit}"),
        (_, Locale::Fr) => format!("{whole},{tenth} {unit}"),
        (_, Locale::En) => format!("{whole}.{tenth} {unit}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, b'I', b'H', b'D', b'R'];
    const JPEG: &[u8] = &[0xff, 0xd8, 0xff, 0xe0, 0, 0x10, b'J', b'F', b'I', b'F', 0];

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(check_content(PDF), Ok(FileType::Pdf));
        assert_eq!(check_content(PNG), Ok(FileType::Png));
        assert_eq!(check_content(JPEG), Ok(FileType::Jpeg));
        assert_eq!(check_content(b"RIFF\x24\0\0\0WEBPVP8 "), Ok(FileType::Webp));
        assert_eq!(check_content(b"hello, this is text"), Err("error-attachment-type"));
        assert_eq!(check_content(b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff"), Err("error-attachment-type"));
        assert_eq!(check_content(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0"), Err("error-attachment-type"));
        assert_eq!(check_content(b"PK\x03\x04\x14\0\0\0"), Err("error-attachment-type"));
        assert_eq!(check_content(b""), Err("error-attachment-empty"));
    }

    #[test]
    fn office_documents_are_accepted_only_where_asked() {
        // A ZIP whose first entry is `word/…`: what Word writes.
        let mut docx = b"PK\x03\x04".to_vec();
        docx.resize(0x1E, 0);
        docx.extend_from_slice(b"word/document.xml");
        assert_eq!(FileType::sniff(&docx), Some(FileType::Docx));
        assert_eq!(check_content(&docx), Err("error-attachment-type"), "not on a case");
        assert_eq!(check_content_among(&docx, DOCUMENT_TYPES, "wrong"), Ok(FileType::Docx));
        assert_eq!(check_content_among(PDF, DOCUMENT_TYPES, "wrong"), Ok(FileType::Pdf));
        assert_eq!(check_content_among(b"PK\x03\x04\x14\0\0\0", DOCUMENT_TYPES, "wrong"), Err("wrong"));
        assert_eq!(clean_file_name("Accord signé.DOCX", FileType::Docx), "Accord signé.docx");
    }

    #[test]
    fn the_limit_is_inclusive() {
        let mut at_limit = PDF.to_vec();
        at_limit.resize(MAX_ATTACHMENT_BYTES, b' ');
        assert_eq!(check_content(&at_limit), Ok(FileType::Pdf));
        at_limit.push(b' ');
        assert_eq!(check_content(&at_limit), Err("error-attachment-too-large"));
    }

    #[test]
    fn checksums_are_sha256() {
        assert_eq!(checksum(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn file_names_are_cleaned_and_end_with_the_real_extension() {
        assert_eq!(clean_file_name("C:\\Scans\\consentement.PDF", FileType::Pdf), "consentement.pdf");
        assert_eq!(clean_file_name("../../etc/passwd", FileType::Png), "passwd.png");
        assert_eq!(clean_file_name("virus.exe", FileType::Pdf), "virus.exe.pdf");
        assert_eq!(clean_file_name("photo.jpeg", FileType::Jpeg), "photo.jpg");
        assert_eq!(clean_file_name("", FileType::Pdf), "document.pdf");
        assert_eq!(clean_file_name("...", FileType::Pdf), "document.pdf");
        assert_eq!(clean_file_name("a\"b<c>\n.pdf", FileType::Pdf), "a_b_c__.pdf");
        let long = format!("{}.pdf", "é".repeat(300));
        assert_eq!(clean_file_name(&long, FileType::Pdf).chars().count(), MAX_FILE_NAME_CHARS);
    }

    #[test]
    fn downloads_are_attachments_with_safe_names() {
        assert_eq!(
            content_disposition("Fiche d'évaluation.pdf"),
            "attachment; filename=\"Fiche d__valuation.pdf\"; filename*=UTF-8''Fiche%20d%27%C3%A9valuation.pdf"
        );
        let header = content_disposition("a\";\r\nX-Evil: 1.pdf");
        assert!(!header.contains('\r') && !header.contains('\n'));
        assert_eq!(header.matches('"').count(), 2);
    }

    #[test]
    fn sizes_read_in_each_language() {
        assert_eq!(human_size(MAX_ATTACHMENT_BYTES as u64, Locale::Fr), "5 Mo");
        assert_eq!(human_size(MAX_ATTACHMENT_BYTES as u64, Locale::En), "5 MB");
        assert_eq!(human_size(MAX_ATTACHMENT_BYTES as u64 + 1, Locale::Fr), "5,1 Mo");
        assert_eq!(human_size(7_549_747, Locale::Fr), "7,2 Mo");
        assert_eq!(human_size(7_549_747, Locale::En), "7.2 MB");
        assert_eq!(human_size(350 * 1024, Locale::Fr), "350 Ko");
        assert_eq!(human_size(1, Locale::En), "1 KB");
    }

    #[test]
    fn descriptions_are_optional_and_bounded() {
        assert_eq!(parse_description("  Fiche   signée "), Ok("Fiche signée".into()));
        assert_eq!(parse_description(""), Ok(String::new()));
        assert_eq!(parse_description(&"a".repeat(MAX_DESCRIPTION_CHARS + 1)), Err("error-too-long"));
    }
}
