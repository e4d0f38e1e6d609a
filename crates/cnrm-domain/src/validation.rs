//! Validation errors that name the field and carry a message key, so the web layer can show each
//! message next to its field, in the user's language, without the domain knowing any language.

use serde::Serialize;

/// One problem with one input field. `message` is a message-catalogue key (e.g. `error-required`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: &'static str,
}

/// All problems found in one submitted form, in field order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &'static str, message: &'static str) {
        self.0.push(FieldError { field, message });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first message for a field, if any: what a form shows next to that field.
    pub fn for_field(&self, field: &str) -> Option<&'static str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.message)
    }

    /// Records the outcome of parsing one field and returns the parsed value when it succeeded.
    pub fn check<T>(&mut self, field: &'static str, parsed: Result<T, &'static str>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(message) => {
                self.add(field, message);
                None
            }
        }
    }

    /// `Ok(value)` when no error was recorded, so that a parser can end with `errors.finish(...)`.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }
}

/// Trims, collapses inner whitespace and checks the length (in characters) of a free-text field.
pub fn clean_text(raw: &str, min: usize, max: usize) -> Result<String, &'static str> {
    let cleaned = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let len = cleaned.chars().count();
    if len == 0 && min > 0 {
        Err("error-required")
    } else if len < min {
        Err("error-too-short")
    } else if len > max {
        Err("error-too-long")
    } else if cleaned.chars().any(char::is_control) {
        Err("error-invalid-characters")
    } else {
        Ok(cleaned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_collapses_whitespace_and_checks_bounds() {
        assert_eq!(clean_text("  Agence   nationale ", 1, 50).unwrap(), "Agence nationale");
        assert_eq!(clean_text("   ", 1, 50), Err("error-required"));
        assert_eq!(clean_text("ab", 3, 50), Err("error-too-short"));
        assert_eq!(clean_text("abcdef", 1, 5), Err("error-too-long"));
        assert_eq!(clean_text("", 0, 5).unwrap(), "");
    }

    #[test]
    fn errors_keep_the_first_message_per_field() {
        let mut errors = FieldErrors::new();
        errors.add("name", "error-required");
        errors.add("name", "error-too-long");
        assert_eq!(errors.for_field("name"), Some("error-required"));
        assert_eq!(errors.for_field("acronym"), None);
        assert!(errors.finish(|| ()).is_err());
    }
}
