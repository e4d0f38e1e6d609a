//! Households: linking the persons of several cases (a family returning together), seeing one's
//! family members without learning more than one may, and registering a family member.
//!
//! A family member whose cases the actor may not see is shown only as "a family member followed by
//! <organisation>": no name, no case, no relation (like possible matches at registration).

use cnrm_domain::family::{may_link, parse_relation, Relation};
use cnrm_domain::paging::PageRequest;
use cnrm_domain::person::ReturnInput;
use cnrm_store::{new_id_and_time, CaseFilter, CaseSearch, FamilyLink, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::cases::{self, Registration, RegistrationOutcome};
use crate::{Actor, App, AppError};

/// A case of a family member that the actor may open.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LinkedCase {
    pub case_id: Uuid,
    pub case_number: String,
}

/// One family member of a case's person, as the actor may know them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FamilyMember {
    pub link_id: Uuid,
    /// How the member is related to the case's person; `null` when the member is hidden.
    pub relation: Option<Relation>,
    /// `null` when the actor may see none of the member's cases.
    pub person_id: Option<Uuid>,
    pub name: Option<String>,
    /// The member's cases the actor may open.
    pub cases: Vec<LinkedCase>,
    /// For a hidden member: the organisations following them (nothing else is shown).
    pub followed_by: Vec<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub linked_at: OffsetDateTime,
}

impl FamilyMember {
    pub fn hidden(&self) -> bool {
        self.person_id.is_none()
    }
}

/// The family members of a case's person.
pub async fn members(app: &App, actor: &Actor, case_id: Uuid) -> Result<Vec<FamilyMember>, AppError> {
    let file = cases::visible(app, actor, case_id).await?;
    let person = file.person.id;
    let mut members = Vec::new();
    for link in app.db.family_links_of_person(person).await? {
        let (other, relation) = link.other_side(person);
        let mut visible = Vec::new();
        let mut name = None;
        let mut followed_by = Vec::new();
        for other_case in app.db.cases_of_person(other).await? {
            if cases::may_see(actor, &other_case) {
                if name.is_none() {
                    name = app.db.case_file(other_case.id).await?.map(|f| {
                        let p = &f.person.draft;
                        format!("{} {}", p.family_name, p.given_names)
                    });
                }
                visible.push(LinkedCase { case_id: other_case.id, case_number: other_case.case_number });
            } else if !followed_by.contains(&other_case.organisation_id) {
                followed_by.push(other_case.organisation_id);
            }
        }
        let shown = !visible.is_empty();
        members.push(FamilyMember {
            link_id: link.id,
            relation: shown.then_some(relation),
            person_id: shown.then_some(other),
            name,
            cases: visible,
            followed_by: if shown { Vec::new() } else { followed_by },
            linked_at: link.created_at,
        });
    }
    Ok(members)
}

/// A link to make from a case: the other case's number and how its person is related to this one's.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct LinkInput {
    /// The number of a case the actor may see (`OIM-2026-000123`).
    pub case_number: String,
    /// What the other case's person is to this case's person: `spouse`, `child`, `parent`, `sibling`,
    /// `other_relative`, `guardian` or `ward`.
    pub relation: String,
}

/// The person of the case a number names, if the actor may see that case; any other number is
/// "not found" alike.
async fn person_by_case_number(app: &App, actor: &Actor, raw: &str) -> Result<Uuid, &'static str> {
    let Some(CaseSearch::CaseNumber(number)) = cases::parse_search(raw) else {
        return Err(if raw.trim().is_empty() { "error-required" } else { "error-family-case-not-found" });
    };
    let Ok(scope) = cases::scope_for(actor) else { return Err("error-family-case-not-found") };
    let filter = CaseFilter { search: Some(CaseSearch::CaseNumber(number)), ..Default::default() };
    let page = PageRequest { page: 1, per_page: 1, sort: "arrival", descending: true, search: None };
    let found = app.db.cases(&scope, &filter, &page).await.map_err(|_| "error-family-case-not-found")?;
    let Some(summary) = found.items.first() else { return Err("error-family-case-not-found") };
    cases::visible(app, actor, summary.id).await.map(|f| f.person.id).map_err(|_| "error-family-case-not-found")
}

/// Whether the two persons may be linked (not the same, not linked yet, either way).
async fn check_link(app: &App, a: Uuid, b: Uuid) -> Result<(), AppError> {
    let linked: Vec<Uuid> = app.db.family_links_of_person(a).await?.iter().map(|l| l.other_side(a).0).collect();
    may_link(a, b, &linked).map_err(|m| AppError::invalid("case_number", m))
}

async fn insert(app: &App, actor: &Actor, case_id: Uuid, link: &FamilyLink, action: &str) -> Result<(), AppError> {
    let details = json!({
        "link_id": link.id,
        "person_a": link.person_a,
        "person_b": link.person_b,
        "relation": link.relation.code(),
    });
    let event = actor.event(action, "case", Some(case_id.to_string()), details);
    app.db.insert_family_links(std::slice::from_ref(link), &event).await.map_err(|e| match e {
        StoreError::Conflict(_) => AppError::invalid("case_number", "error-family-already-linked"),
        other => other.into(),
    })
}

fn new_link(actor: &Actor, person_a: Uuid, person_b: Uuid, relation: Relation) -> FamilyLink {
    let (id, now) = new_id_and_time();
    FamilyLink { id, person_a, person_b, relation, created_by: Some(actor.user.id), created_at: now }
}

/// Links the person of another case (by its number) to this case's person.
pub async fn link(app: &App, actor: &Actor, case_id: Uuid, input: &LinkInput) -> Result<FamilyLink, AppError> {
    let file = cases::changeable(app, actor, case_id).await?;
    let mut errors = cnrm_domain::FieldErrors::new();
    let relation = errors.check("relation", parse_relation(&input.relation));
    let other = errors.check("case_number", person_by_case_number(app, actor, &input.case_number).await);
    let (relation, other_person) = errors.finish(|| (relation.unwrap(), other.unwrap())).map_err(AppError::Invalid)?;
    check_link(app, file.person.id, other_person).await?;
    let link = new_link(actor, file.person.id, other_person, relation);
    insert(app, actor, case_id, &link, "family.link").await?;
    Ok(link)
}

/// Removes a link of this case's person.
pub async fn unlink(app: &App, actor: &Actor, case_id: Uuid, link_id: Uuid) -> Result<(), AppError> {
    let file = cases::changeable(app, actor, case_id).await?;
    let link = app.db.family_link(link_id).await?.ok_or(AppError::NotFound)?;
    if link.person_a != file.person.id && link.person_b != file.person.id {
        return Err(AppError::NotFound);
    }
    let details = json!({
        "link_id": link.id,
        "person_a": link.person_a,
        "person_b": link.person_b,
        "relation": link.relation.code(),
    });
    let event = actor.event("family.unlink", "case", Some(case_id.to_string()), details);
    Ok(app.db.delete_family_link(link_id, &event).await?)
}

/// What the registration of a family member starts from: the return shared with the family.
pub struct Prefill {
    pub case_number: String,
    pub ret: ReturnInput,
    /// Where the family settles (P-code).
    pub settlement: Option<String>,
}

/// The return of a case, to register a family member who came back with its person.
pub async fn registration_prefill(app: &App, actor: &Actor, case_id: Uuid) -> Result<Prefill, AppError> {
    let file = cases::changeable(app, actor, case_id).await?;
    let r = &file.case.ret;
    let d = r.arrival_date;
    Ok(Prefill {
        case_number: file.case.case_number.clone(),
        ret: ReturnInput {
            arrival_date: format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day()),
            returned_from: r.returned_from.clone(),
            return_type: r.return_type.code().into(),
            point_of_arrival: r.point_of_arrival.clone().unwrap_or_default(),
            programme: r.programme.clone().unwrap_or_default(),
            immediate_assistance: Vec::new(),
        },
        settlement: file.person.draft.intended_settlement.clone(),
    })
}

/// Registers a family member of a case's person and links them with `relation` (what the new
/// person is to that person). Everything is checked before the case is registered.
pub async fn register_member(
    app: &App,
    actor: &Actor,
    family_of: Uuid,
    relation: &str,
    input: &Registration,
) -> Result<RegistrationOutcome, AppError> {
    let file = cases::changeable(app, actor, family_of).await?;
    let relation = parse_relation(relation).map_err(|m| AppError::invalid("family_relation", m))?;
    if let Some(existing) = input.existing_person_id {
        check_link(app, file.person.id, existing).await.map_err(|e| match e {
            AppError::Invalid(errors) => {
                AppError::invalid("family_relation", errors.for_field("case_number").unwrap_or("error-family-self"))
            }
            other => other,
        })?;
    }
    let outcome = cases::register(app, actor, input).await?;
    if let RegistrationOutcome::Registered(case) = &outcome {
        let link = new_link(actor, file.person.id, case.person_id, relation);
        insert(app, actor, family_of, &link, "family.link").await?;
    }
    Ok(outcome)
}
