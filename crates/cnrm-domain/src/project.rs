//! Collective projects: one business or community work shared by several returnees (a cooperative
//! of five returnees, a market garden for a village), recorded by the organisation that follows them.
//!
//! A project has its own budget and a small lifecycle (`planned → active → completed`, or
//! `cancelled` before it ends); its members are cases of the organisation, each with the plan item
//! of that case that funds its share, when there is one.

use crate::lifecycle::plan::{parse_amount_xof, AssistanceLevel};
use crate::lifecycle::Reason;
use crate::person::{choose, coded_enum, parse_date};
use crate::validation::{clean_text, FieldErrors};
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

coded_enum! {
    /// `planned → active → completed`; `cancelled` from planned or active.
    pub enum ProjectStatus in "project-status" {
        Planned = "planned",
        Active = "active",
        Completed = "completed",
        Cancelled = "cancelled",
    }
}

impl ProjectStatus {
    /// Completed and cancelled projects never change again (nor do their members).
    pub fn is_terminal(self) -> bool {
        matches!(self, ProjectStatus::Completed | ProjectStatus::Cancelled)
    }
}

coded_enum! {
    /// The economic sector of a project.
    pub enum Sector in "project-sector" {
        Agriculture = "agriculture",
        Livestock = "livestock",
        Fishing = "fishing",
        FoodProcessing = "food_processing",
        Trade = "trade",
        Crafts = "crafts",
        Tailoring = "tailoring",
        Construction = "construction",
        Transport = "transport",
        Services = "services",
        Other = "other",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectEvent {
    Start,
    Complete,
    Cancel(Reason),
}

/// The next status of a project; `error-project-closed` once completed or cancelled,
/// `error-project-transition` for a step out of order.
pub fn transition(from: ProjectStatus, event: &ProjectEvent) -> Result<ProjectStatus, &'static str> {
    use ProjectEvent as E;
    use ProjectStatus as S;
    match (from, event) {
        (S::Completed | S::Cancelled, _) => Err("error-project-closed"),
        (S::Planned, E::Start) => Ok(S::Active),
        (S::Active, E::Complete) => Ok(S::Completed),
        (S::Planned | S::Active, E::Cancel(_)) => Ok(S::Cancelled),
        _ => Err("error-project-transition"),
    }
}

/// Whether members may still join or leave: not once the project has ended.
pub fn members_may_change(status: ProjectStatus) -> Result<(), &'static str> {
    if status.is_terminal() {
        Err("error-project-closed")
    } else {
        Ok(())
    }
}

/// Whether a plan item may fund a member's share: it must be an item of that member's own case, at
/// the collective or community level (an individual assistance funds nobody else's business).
pub fn check_member_item(item_case_id: Uuid, member_case_id: Uuid, level: AssistanceLevel) -> Result<(), &'static str> {
    if item_case_id != member_case_id {
        Err("error-project-item-other-case")
    } else if level == AssistanceLevel::Individual {
        Err("error-project-item-level")
    } else {
        Ok(())
    }
}

/// A project as submitted (form or API).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ProjectInput {
    pub name: String,
    /// `collective` or `community`.
    pub level: String,
    /// Sector code.
    pub sector: String,
    /// Admin unit P-code (a region or a cercle).
    pub location: String,
    pub description: String,
    /// Whole francs CFA.
    pub budget_xof: String,
    /// `YYYY-MM-DD` (optional).
    pub start_on: String,
}

/// A validated project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectDraft {
    pub name: String,
    pub level: AssistanceLevel,
    pub sector: Sector,
    pub location: String,
    pub description: String,
    pub budget_xof: i64,
    pub start_on: Option<Date>,
}

impl ProjectInput {
    /// Validates every field; `is_unit` says whether a P-code is a current admin unit.
    pub fn parse(&self, is_unit: impl Fn(&str) -> bool) -> Result<ProjectDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", clean_text(&self.name, 3, 200));
        let level = errors.check(
            "level",
            choose(&self.level, AssistanceLevel::parse).and_then(|l| match l {
                AssistanceLevel::Individual => Err("error-project-level"),
                other => Ok(other),
            }),
        );
        let sector = errors.check("sector", choose(&self.sector, Sector::parse));
        let location = errors.check(
            "location",
            match self.location.trim() {
                "" => Err("error-required"),
                code if is_unit(code) => Ok(code.to_string()),
                _ => Err("error-choose-from-list"),
            },
        );
        let description = errors.check("description", clean_text(&self.description, 0, 2000));
        let budget = errors.check("budget_xof", parse_amount_xof(&self.budget_xof));
        let start_on = errors.check(
            "start_on",
            match self.start_on.trim() {
                "" => Ok(None),
                raw => parse_date(raw).map(Some),
            },
        );
        errors.finish(|| ProjectDraft {
            name: name.unwrap(),
            level: level.unwrap(),
            sector: sector.unwrap(),
            location: location.unwrap(),
            description: description.unwrap(),
            budget_xof: budget.unwrap(),
            start_on: start_on.unwrap(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reason() -> Reason {
        Reason::parse("financement retiré").unwrap()
    }

    #[test]
    fn projects_start_then_complete_or_are_cancelled() {
        use ProjectEvent as E;
        use ProjectStatus as S;
        assert_eq!(transition(S::Planned, &E::Start), Ok(S::Active));
        assert_eq!(transition(S::Active, &E::Complete), Ok(S::Completed));
        assert_eq!(transition(S::Planned, &E::Cancel(reason())), Ok(S::Cancelled));
        assert_eq!(transition(S::Active, &E::Cancel(reason())), Ok(S::Cancelled));
        assert_eq!(transition(S::Planned, &E::Complete), Err("error-project-transition"));
        assert_eq!(transition(S::Active, &E::Start), Err("error-project-transition"));
        assert_eq!(transition(S::Completed, &E::Cancel(reason())), Err("error-project-closed"));
        assert_eq!(transition(S::Cancelled, &E::Start), Err("error-project-closed"));
        assert_eq!(members_may_change(S::Active), Ok(()));
        assert_eq!(members_may_change(S::Completed), Err("error-project-closed"));
        assert_eq!(ProjectStatus::Planned.label_key(), "project-status-planned");
        assert_eq!(Sector::FoodProcessing.label_key(), "project-sector-food-processing");
    }

    #[test]
    fn a_share_is_funded_by_a_collective_item_of_the_members_own_case() {
        let (case, other) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_eq!(check_member_item(case, case, AssistanceLevel::Collective), Ok(()));
        assert_eq!(check_member_item(case, case, AssistanceLevel::Community), Ok(()));
        assert_eq!(check_member_item(case, case, AssistanceLevel::Individual), Err("error-project-item-level"));
        assert_eq!(check_member_item(other, case, AssistanceLevel::Collective), Err("error-project-item-other-case"));
    }

    fn input() -> ProjectInput {
        ProjectInput {
            name: "  Coopérative   maraîchère de Kayes ".into(),
            level: "collective".into(),
            sector: "agriculture".into(),
            location: "ML0101".into(),
            description: "Cinq personnes, deux hectares".into(),
            budget_xof: "2 500 000".into(),
            start_on: "2026-02-01".into(),
        }
    }

    #[test]
    fn projects_are_parsed_and_checked_field_by_field() {
        let draft = input().parse(|code| code == "ML0101").unwrap();
        assert_eq!(draft.name, "Coopérative maraîchère de Kayes");
        assert_eq!(
            (draft.level, draft.sector, draft.budget_xof),
            (AssistanceLevel::Collective, Sector::Agriculture, 2_500_000)
        );
        assert_eq!(draft.start_on, Some(time::macros::date!(2026 - 02 - 01)));
        let bad = ProjectInput {
            name: "ab".into(),
            level: "individual".into(),
            sector: "mining".into(),
            location: "ML9999".into(),
            budget_xof: "1.5".into(),
            start_on: "31/02/2026".into(),
            ..input()
        };
        let errors = bad.parse(|code| code == "ML0101").unwrap_err();
        assert_eq!(errors.for_field("name"), Some("error-too-short"));
        assert_eq!(errors.for_field("level"), Some("error-project-level"));
        assert_eq!(errors.for_field("sector"), Some("error-choose-from-list"));
        assert_eq!(errors.for_field("location"), Some("error-choose-from-list"));
        assert_eq!(errors.for_field("budget_xof"), Some("error-amount"));
        assert!(errors.for_field("start_on").is_some());
        let empty = ProjectInput::default().parse(|_| true).unwrap_err();
        for field in ["name", "level", "sector", "location", "budget_xof"] {
            assert_eq!(empty.for_field(field), Some("error-required"), "{field}");
        }
        assert_eq!(empty.for_field("start_on"), None, "the start date is optional");
    }

    fn event() -> impl Strategy<Value = ProjectEvent> {
        prop_oneof![Just(ProjectEvent::Start), Just(ProjectEvent::Complete), Just(ProjectEvent::Cancel(reason()))]
    }

    proptest! {
        /// Written independently of `transition`: the listed steps, and nothing leaves an end.
        #[test]
        fn projects_only_take_listed_steps(
            start in proptest::sample::select(ProjectStatus::ALL.to_vec()),
            events in proptest::collection::vec(event(), 0..20),
        ) {
            use ProjectStatus as S;
            let mut status = start;
            for event in &events {
                let expected = match (status, event) {
                    (S::Planned, ProjectEvent::Start) => Some(S::Active),
                    (S::Active, ProjectEvent::Complete) => Some(S::Completed),
                    (S::Planned | S::Active, ProjectEvent::Cancel(_)) => Some(S::Cancelled),
                    _ => None,
                };
                let result = transition(status, event);
                prop_assert_eq!(result.ok(), expected);
                if status.is_terminal() {
                    prop_assert_eq!(result, Err("error-project-closed"));
                }
                status = result.unwrap_or(status);
            }
        }
    }
}
