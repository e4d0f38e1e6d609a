//! Translations: every string the user reads comes from the Fluent catalogues in `locales/`.
//!
//! A [`Tr`] is made for each request from the user's language and handed to the templates, so
//! nothing depends on a global "current language".

use cnrm_domain::Locale;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{static_loader, Loader};
use std::borrow::Cow;
use std::collections::HashMap;
use unic_langid::{langid, LanguageIdentifier};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "fr",
        // Bidi isolation marks would show up in form values and tests; both languages are LTR.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static FR: LanguageIdentifier = langid!("fr");
static EN: LanguageIdentifier = langid!("en");

/// The translator of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tr {
    pub locale: Locale,
}

impl Tr {
    pub fn new(locale: Locale) -> Tr {
        Tr { locale }
    }

    fn lang(&self) -> &'static LanguageIdentifier {
        match self.locale {
            Locale::Fr => &FR,
            Locale::En => &EN,
        }
    }

    pub fn code(&self) -> &'static str {
        self.locale.code()
    }

    /// The message for `key`; the key itself when missing, so a gap is visible but harmless.
    pub fn t(&self, key: &str) -> String {
        LOCALES.try_lookup(self.lang(), key).unwrap_or_else(|| key.to_string())
    }

    /// The message for `key` with named arguments.
    pub fn t_with<A: AsRef<[(&'static str, String)]>>(&self, key: &str, args: A) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue> =
            args.as_ref().iter().map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone()))).collect();
        LOCALES.try_lookup_with_args(self.lang(), key, &args).unwrap_or_else(|| key.to_string())
    }

    pub fn role(&self, role: cnrm_domain::Role) -> String {
        self.t(&format!("role-{}", role.code().replace('_', "-")))
    }

    pub fn permission(&self, permission: cnrm_domain::Permission) -> String {
        self.t(&format!("permission-{}", permission.code().replace('_', "-")))
    }

    pub fn scope(&self, scope: cnrm_domain::Scope) -> String {
        self.t(&format!("scope-{}", scope.code()))
    }

    pub fn org_type(&self, kind: cnrm_domain::organisation::OrganisationType) -> String {
        self.t(&format!("org-type-{}", kind.code().replace('_', "-")))
    }

    /// A date and time in the user's language, in UTC (the platform's reference time).
    pub fn datetime(&self, at: &time::OffsetDateTime) -> String {
        let format = match self.locale {
            Locale::Fr => {
                time::macros::format_description!("[day]/[month]/[year] [hour]:[minute] UTC")
            }
            Locale::En => {
                time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC")
            }
        };
        at.format(&format).unwrap_or_default()
    }

    pub fn opt_datetime(&self, at: &Option<time::OffsetDateTime>) -> String {
        at.as_ref().map(|a| self.datetime(a)).unwrap_or_else(|| "—".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(text: &str) -> BTreeSet<String> {
        text.lines()
            .filter(|l| !l.starts_with(' ') && !l.starts_with('#') && l.contains(" ="))
            .map(|l| l.split(" =").next().unwrap().trim().to_string())
            .collect()
    }

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let fr = keys(include_str!("../locales/fr/main.ftl"));
        let en = keys(include_str!("../locales/en/main.ftl"));
        assert!(fr.len() > 100, "{}", fr.len());
        let only_fr: Vec<_> = fr.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&fr).collect();
        assert!(only_fr.is_empty() && only_en.is_empty(), "only in fr: {only_fr:?}; only in en: {only_en:?}");
    }

    #[test]
    fn every_role_permission_scope_and_type_is_translated() {
        for locale in Locale::ALL {
            let tr = Tr::new(locale);
            for role in cnrm_domain::Role::ALL {
                assert!(!tr.role(role).starts_with("role-"), "{role:?} in {locale:?}");
            }
            for p in cnrm_domain::Permission::ALL {
                assert!(!tr.permission(p).starts_with("permission-"), "{p:?} in {locale:?}");
            }
            for s in [
                cnrm_domain::Scope::Own,
                cnrm_domain::Scope::Team,
                cnrm_domain::Scope::Organisation,
                cnrm_domain::Scope::All,
            ] {
                assert!(!tr.scope(s).starts_with("scope-"));
            }
            for t in cnrm_domain::organisation::OrganisationType::ALL {
                assert!(!tr.org_type(t).starts_with("org-type-"), "{t:?} in {locale:?}");
            }
        }
    }

    #[test]
    fn arguments_are_substituted() {
        let tr = Tr::new(Locale::En);
        assert!(tr.t_with("error-account-locked", &[("minutes", "15".into())]).contains("locked for 15 minutes"));
        assert_eq!(Tr::new(Locale::Fr).t("nav-home"), "Accueil");
    }
}
