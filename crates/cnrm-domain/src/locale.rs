//! The languages the platform speaks. French is the working language and the default.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    Fr,
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::Fr, Locale::En];

    pub fn code(self) -> &'static str {
        match self {
            Locale::Fr => "fr",
            Locale::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Locale> {
        match code.trim().to_ascii_lowercase().get(..2) {
            Some("fr") => Some(Locale::Fr),
            Some("en") => Some(Locale::En),
            _ => None,
        }
    }

    /// The first supported language of an HTTP `Accept-Language` header, if any.
    pub fn first_accepted(header: &str) -> Option<Locale> {
        header.split(',').find_map(|part| Locale::parse(part.split(';').next().unwrap_or("")))
    }

    /// The first supported language of an `Accept-Language` header, French otherwise.
    pub fn from_accept_language(header: &str) -> Locale {
        Locale::first_accepted(header).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_first_supported() {
        assert_eq!(Locale::from_accept_language("en-GB,en;q=0.9,fr;q=0.8"), Locale::En);
        assert_eq!(Locale::from_accept_language("de-DE,fr;q=0.5"), Locale::Fr);
        assert_eq!(Locale::from_accept_language("de-DE"), Locale::Fr);
        assert_eq!(Locale::from_accept_language(""), Locale::Fr);
    }
}
