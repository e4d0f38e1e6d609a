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
    fn every_value_of_the_case_domain_is_labelled() {
        use cnrm_domain::attachment::{AttachmentKind, FileType};
        use cnrm_domain::consent::{ConsentMethod, ConsentPurpose};
        use cnrm_domain::followup::PlanTimeliness;
        use cnrm_domain::lifecycle::case::{CaseStatus, ClosureReason};
        use cnrm_domain::lifecycle::plan::{
            AssistanceLevel, AssistanceType, DeliveryChannel, Dimension, PlanItemStatus,
        };
        use cnrm_domain::lifecycle::referral::ReferralStatus;
        use cnrm_domain::person::{
            DatePrecision, DocumentType, EducationLevel, ImmediateAssistance, Language, MaritalStatus, ReturnType, Sex,
        };
        use cnrm_domain::sharing::SharedField;
        use cnrm_domain::vulnerability::{Priority, VulnerabilityFlag};

        fn keys<T: Copy, const N: usize>(all: [T; N], key: fn(T) -> String) -> Vec<String> {
            all.into_iter().map(key).collect()
        }
        let all: Vec<String> = [
            keys(Sex::ALL, Sex::label_key),
            keys(DatePrecision::ALL, DatePrecision::label_key),
            keys(Language::ALL, Language::label_key),
            keys(EducationLevel::ALL, EducationLevel::label_key),
            keys(MaritalStatus::ALL, MaritalStatus::label_key),
            keys(DocumentType::ALL, DocumentType::label_key),
            keys(ReturnType::ALL, ReturnType::label_key),
            keys(ImmediateAssistance::ALL, ImmediateAssistance::label_key),
            keys(VulnerabilityFlag::ALL, VulnerabilityFlag::label_key),
            keys(Priority::ALL, Priority::label_key),
            keys(CaseStatus::ALL, CaseStatus::label_key),
            keys(ClosureReason::ALL, ClosureReason::label_key),
            keys(ConsentPurpose::ALL, ConsentPurpose::label_key),
            keys(ConsentMethod::ALL, ConsentMethod::label_key),
            keys(PlanItemStatus::ALL, PlanItemStatus::label_key),
            keys(Dimension::ALL, Dimension::label_key),
            keys(AssistanceType::ALL, AssistanceType::label_key),
            keys(AssistanceLevel::ALL, AssistanceLevel::label_key),
            keys(DeliveryChannel::ALL, DeliveryChannel::label_key),
            keys(ReferralStatus::ALL, ReferralStatus::label_key),
            keys(PlanTimeliness::ALL, PlanTimeliness::label_key),
            keys(SharedField::ALL, SharedField::label_key),
            keys(AttachmentKind::ALL, AttachmentKind::label_key),
            keys(FileType::ALL, FileType::label_key),
        ]
        .concat();
        assert!(all.len() > 100, "{}", all.len());
        for locale in Locale::ALL {
            let tr = Tr::new(locale);
            for key in &all {
                assert_ne!(&tr.t(key), key, "{key} has no label in {locale:?}");
            }
        }
        // French is the fallback language: an English label must exist in its own right.
        let english = include_str!("../locales/en/main.ftl");
        for key in &all {
            assert!(english.lines().any(|l| l.starts_with(&format!("{key} ="))), "{key} missing in English");
        }
    }

    #[test]
    fn arguments_are_substituted() {
        let tr = Tr::new(Locale::En);
        assert!(tr.t_with("error-account-locked", &[("minutes", "15".into())]).contains("locked for 15 minutes"));
        assert_eq!(Tr::new(Locale::Fr).t("nav-home"), "Accueil");
    }
}
