//! Referrals: handing part of a returnee's assistance to another organisation.
//!
//! A referral goes out only with the returnee's consent to share with that organisation, and
//! discloses only its allow-list of fields. The receiver sees those fields, for the cases referred
//! to it, while the referral is not revoked and the consent holds; every disclosure is audited.

use cnrm_domain::consent::{consent_allows, ConsentPurpose};
use cnrm_domain::lifecycle::plan::AssistanceType;
use cnrm_domain::lifecycle::referral::{self as lifecycle, ReferralEvent, ReferralStatus, Side};
use cnrm_domain::lifecycle::Reason;
use cnrm_domain::paging::{Page, PageRequest};
use cnrm_domain::person::{age_at, parse_date};
use cnrm_domain::sharing::{self, SharedField};
use cnrm_domain::validation::clean_text;
use cnrm_domain::{FieldErrors, Permission};
use cnrm_store::{new_id_and_time, CaseFile, Referral};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::cases::{self, Reach};
use crate::{Actor, App, AppError};

/// A referral as the sender submits it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ReferralInput {
    pub to_organisation_id: String,
    /// Assistance type code of the service asked for.
    pub service: String,
    /// Fields to share beyond those always shared (names, sex, phones); empty: the service's defaults.
    pub shared_fields: Vec<String>,
    pub note: String,
    /// Expected answer date, `YYYY-MM-DD`.
    pub due_on: String,
    /// The plan item this referral delivers, if any (its case's own plan).
    pub plan_item_id: Option<Uuid>,
}

fn consents_of(file: &CaseFile) -> Vec<cnrm_domain::consent::ConsentRecord> {
    file.consents.iter().map(|c| c.record).collect()
}

/// Sends a referral for a case the actor may change, if the returnee consented to sharing with
/// that organisation.
pub async fn send(app: &App, actor: &Actor, case_id: Uuid, input: &ReferralInput) -> Result<Referral, AppError> {
    let file = cases::changeable(app, actor, case_id).await?;
    let today = OffsetDateTime::now_utc().date();
    let mut errors = FieldErrors::new();
    let to = errors.check(
        "to_organisation_id",
        Uuid::parse_str(input.to_organisation_id.trim()).map_err(|_| "error-choose-organisation"),
    );
    let service = errors.check(
        "service",
        match input.service.trim() {
            "" => Err("error-required"),
            code => AssistanceType::parse(code).ok_or("error-choose-from-list"),
        },
    );
    let fields = match (&service, input.shared_fields.iter().all(|f| f.trim().is_empty())) {
        (Some(service), true) => Some(sharing::default_fields(*service)),
        _ => errors.check("shared_fields", sharing::parse_fields(&input.shared_fields)),
    };
    let note = errors.check("note", clean_text(&input.note, 0, 2000));
    let due_on = errors.check(
        "due_on",
        match input.due_on.trim() {
            "" => Ok(None),
            raw => parse_date(raw).and_then(|d| if d < today { Err("error-date-in-past") } else { Ok(Some(d)) }),
        },
    );
    let (to, service, fields, note, due_on) = errors
        .finish(|| (to.unwrap(), service.unwrap(), fields.unwrap(), note.unwrap(), due_on.unwrap()))
        .map_err(AppError::Invalid)?;
    let receiver = app.db.organisation(to).await?.filter(|o| o.active);
    if receiver.is_none() || to == file.case.organisation_id {
        return Err(AppError::invalid("to_organisation_id", "error-choose-organisation"));
    }
    if let Some(item_id) = input.plan_item_id {
        let plan = app.db.plan_of_case(case_id).await?;
        if !plan.is_some_and(|p| p.items.iter().any(|i| i.id == item_id)) {
            return Err(AppError::invalid("plan_item_id", "error-choose-from-list"));
        }
    }
    consent_allows(&consents_of(&file), ConsentPurpose::ReferralSharing, Some(to))
        .map_err(|block| AppError::Refused(block.message_key()))?;
    crate::coordination::check_referral_sharing(app, file.case.organisation_id, to).await?;
    let (id, now) = new_id_and_time();
    let referral = Referral {
        id,
        case_id,
        plan_item_id: input.plan_item_id,
        from_organisation_id: file.case.organisation_id,
        to_organisation_id: to,
        service,
        shared_fields: fields,
        note,
        status: ReferralStatus::Sent,
        reason: None,
        feedback: None,
        due_on,
        sent_by: Some(actor.user.id),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let details = json!({
        "referral_id": id,
        "to": to,
        "service": service.code(),
        "shared_fields": referral.shared_fields.iter().map(|f| f.code()).collect::<Vec<_>>(),
    });
    app.db
        .insert_referral(&referral, &actor.event("referral.send", "case", Some(case_id.to_string()), details))
        .await?;
    Ok(referral)
}

/// The referrals of a case, for those who may see the case.
pub async fn of_case(app: &App, actor: &Actor, case_id: Uuid) -> Result<Vec<Referral>, AppError> {
    cases::in_reach(app, actor, case_id, Reach::See).await?;
    Ok(app.db.referrals_of_case(case_id).await?)
}

fn receives(actor: &Actor, referral: &Referral) -> bool {
    actor.principal().may(Permission::ReferralReceive, referral.to_organisation_id, None, None)
}

/// Referrals received by the actor's organisation (without personal data).
pub async fn incoming(
    app: &App,
    actor: &Actor,
    status: Option<ReferralStatus>,
    page: &PageRequest,
) -> Result<Page<Referral>, AppError> {
    actor.require(Permission::ReferralReceive)?;
    Ok(app.db.referrals_to(actor.user.organisation_id, status, page).await?)
}

/// What the receiving organisation sees of a referral.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReceivedReferral {
    pub referral: Referral,
    /// False once the returnee withdrew consent to share with the receiver: no field is shown then.
    pub consent_holds: bool,
    /// Only the fields of the allow-list, by field code.
    #[schema(value_type = Object)]
    pub person: Map<String, Value>,
}

/// The allow-listed fields of a case file, and nothing else.
pub fn disclosed(file: &CaseFile, fields: &[SharedField]) -> Map<String, Value> {
    let person = &file.person.draft;
    let mut out = Map::new();
    for field in fields {
        let value = match field {
            SharedField::FamilyName => json!(person.family_name),
            SharedField::GivenNames => json!(person.given_names),
            SharedField::Sex => json!(person.sex.code()),
            SharedField::Age => json!(age_at(&person.birth, OffsetDateTime::now_utc().date())),
            SharedField::Phones => json!(person.phones),
            SharedField::Languages => json!(person.languages.iter().map(|l| l.code()).collect::<Vec<_>>()),
            SharedField::Settlement => json!(person.intended_settlement),
            SharedField::EducationLevel => json!(person.education_level.map(|e| e.code())),
            SharedField::Occupation => json!(person.occupation),
            SharedField::Skills => json!(person.skills),
            SharedField::ArrivalDate => json!(file.case.ret.arrival_date.to_string()),
            SharedField::ReturnedFrom => json!(file.case.ret.returned_from),
            SharedField::Vulnerabilities => json!(file.flags.iter().map(|f| f.flag.code()).collect::<Vec<_>>()),
        };
        out.insert(field.code().to_string(), value);
    }
    out
}

/// A received referral with its allowed fields; the disclosure is audited.
pub async fn received(app: &App, actor: &Actor, id: Uuid) -> Result<ReceivedReferral, AppError> {
    actor.require(Permission::ReferralReceive)?;
    let referral = app.db.referral(id).await?.ok_or(AppError::NotFound)?;
    if !receives(actor, &referral) || referral.status == ReferralStatus::Revoked {
        return Err(AppError::NotFound);
    }
    let file = app.db.case_file(referral.case_id).await?.ok_or(AppError::NotFound)?;
    let consent_holds =
        consent_allows(&consents_of(&file), ConsentPurpose::ReferralSharing, Some(referral.to_organisation_id)).is_ok();
    let person = if consent_holds { disclosed(&file, &referral.shared_fields) } else { Map::new() };
    let details = json!({ "referral_id": id, "fields": person.keys().collect::<Vec<_>>() });
    app.db
        .append_audit(&actor.event("referral.disclosure", "case", Some(referral.case_id.to_string()), details))
        .await?;
    Ok(ReceivedReferral { referral, consent_holds, person })
}

/// What the receiver or the sender does with a referral.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ReferralAction {
    /// `accept`, `decline`, `start`, `complete`, `not_complete` (receiver); `revoke`, `feedback` (sender).
    pub action: String,
    /// Required to decline or to report a service not completed; the feedback text for `feedback`.
    pub reason: String,
    pub version: i64,
}

/// Moves a referral along its lifecycle; the side (receiver or sender) comes from the actor.
pub async fn act(app: &App, actor: &Actor, id: Uuid, input: &ReferralAction) -> Result<Referral, AppError> {
    let referral = app.db.referral(id).await?.ok_or(AppError::NotFound)?;
    let side = if receives(actor, &referral) {
        Side::Receiver
    } else {
        cases::in_reach(app, actor, referral.case_id, Reach::Change).await?;
        Side::Sender
    };
    if side == Side::Receiver && referral.status == ReferralStatus::Revoked {
        return Err(AppError::NotFound);
    }
    let reason = || Reason::parse(&input.reason).map_err(|m| AppError::invalid("reason", m));
    let event = match input.action.trim() {
        "accept" => ReferralEvent::Accept,
        "decline" => ReferralEvent::Decline(reason()?),
        "start" => ReferralEvent::Start,
        "complete" => ReferralEvent::Complete,
        "not_complete" => ReferralEvent::NotComplete(reason()?),
        "revoke" => ReferralEvent::Revoke,
        "feedback" => {
            reason()?;
            ReferralEvent::Feedback
        }
        _ => return Err(AppError::invalid("action", "error-choose-from-list")),
    };
    let status =
        lifecycle::transition(referral.status, referral.feedback.is_some(), side, &event).map_err(AppError::Refused)?;
    let text = input.reason.trim().to_string();
    let after = Referral {
        status,
        reason: match event {
            ReferralEvent::Decline(_) | ReferralEvent::NotComplete(_) => Some(text.clone()),
            _ => referral.reason.clone(),
        },
        feedback: if matches!(event, ReferralEvent::Feedback) { Some(text) } else { referral.feedback.clone() },
        version: input.version,
        updated_at: new_id_and_time().1,
        ..referral.clone()
    };
    let details = json!({
        "referral_id": id,
        "action": input.action.trim(),
        "status": { "before": referral.status.code(), "after": status.code() },
        "reason": after.reason,
    });
    let action = format!("referral.{}", input.action.trim());
    app.db.update_referral(&after, &actor.event(&action, "case", Some(referral.case_id.to_string()), details)).await?;
    Ok(Referral { version: after.version + 1, ..after })
}
