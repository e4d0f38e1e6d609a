//! User accounts: what a valid username, password and account are.

use crate::organisation::parse_optional_email;
use crate::roles::Role;
use crate::validation::{clean_text, FieldErrors};
use crate::Locale;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A login name: lowercase ASCII letters, digits, `.`, `_` or `-`, 3 to 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Username, &'static str> {
        let name = raw.trim().to_lowercase();
        if name.is_empty() {
            Err("error-required")
        } else if name.len() < 3 || name.len() > 64 {
            Err("error-username-length")
        } else if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')) {
            Err("error-username-characters")
        } else {
            Ok(Username(name))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Shortest password accepted. Long passphrases beat composition rules (NIST SP 800-63B).
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Passwords people pick first; refused whatever their length.
const COMMON_PASSWORDS: &[&str] = &[
    "motdepasse123",
    "password1234",
    "azertyuiop123",
    "qwertyuiop123",
    "123456789012",
    "bamako123456",
    "mali12345678",
    "administrateur",
];

/// Checks a new password against the policy. `username` is refused as (part of) the password.
pub fn check_password(password: &str, username: &str) -> Result<(), &'static str> {
    let chars = password.chars().count();
    let lower = password.to_lowercase();
    if chars < MIN_PASSWORD_CHARS {
        Err("error-password-too-short")
    } else if chars > 256 {
        Err("error-too-long")
    } else if !username.is_empty() && lower.contains(&username.to_lowercase()) {
        Err("error-password-contains-username")
    } else if COMMON_PASSWORDS.contains(&lower.as_str()) || password.chars().all(|c| password.starts_with(c)) {
        Err("error-password-too-common")
    } else {
        Ok(())
    }
}

/// A validated new account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserDraft {
    pub username: Username,
    pub display_name: String,
    pub email: String,
    pub organisation_id: Uuid,
    pub role: Role,
    pub team: Option<String>,
    pub locale: Locale,
}

/// A new account as submitted by a form or the API.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct UserInput {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub organisation_id: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub locale: String,
}

impl UserInput {
    pub fn parse(&self) -> Result<UserDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let username = errors.check("username", Username::parse(&self.username));
        let display_name = errors.check("display_name", clean_text(&self.display_name, 2, 120));
        let email = errors.check("email", parse_optional_email(&self.email));
        let organisation_id = errors.check(
            "organisation_id",
            Uuid::parse_str(self.organisation_id.trim()).map_err(|_| "error-choose-organisation"),
        );
        let role = errors.check("role", Role::parse(self.role.trim()).ok_or("error-choose-role"));
        let team = errors.check("team", clean_text(&self.team, 0, 60));
        let locale = Locale::parse(&self.locale).unwrap_or_default();
        errors.finish(|| UserDraft {
            username: username.unwrap(),
            display_name: display_name.unwrap(),
            email: email.unwrap(),
            organisation_id: organisation_id.unwrap(),
            role: role.unwrap(),
            team: team.filter(|t| !t.is_empty()),
            locale,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lowercased_and_restricted() {
        assert_eq!(Username::parse(" A.Traore ").unwrap().as_str(), "a.traore");
        assert_eq!(Username::parse("ab"), Err("error-username-length"));
        assert_eq!(Username::parse("a traoré"), Err("error-username-characters"));
    }

    #[test]
    fn password_policy() {
        assert_eq!(check_password("court", "x"), Err("error-password-too-short"));
        assert_eq!(check_password("xx-atraore-2024", "atraore"), Err("error-password-contains-username"));
        assert_eq!(check_password("aaaaaaaaaaaaaaa", "x"), Err("error-password-too-common"));
        assert_eq!(check_password("MotDePasse123", "x"), Err("error-password-too-common"));
        assert!(check_password("le fleuve Niger à Ségou", "atraore").is_ok());
    }

    #[test]
    fn user_input_reports_each_field() {
        let errors = UserInput { username: "x".into(), role: "king".into(), ..Default::default() }.parse().unwrap_err();
        assert_eq!(errors.for_field("username"), Some("error-username-length"));
        assert_eq!(errors.for_field("display_name"), Some("error-required"));
        assert_eq!(errors.for_field("organisation_id"), Some("error-choose-organisation"));
        assert_eq!(errors.for_field("role"), Some("error-choose-role"));
    }
}
