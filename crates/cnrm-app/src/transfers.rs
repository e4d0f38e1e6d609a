//! Transfers: handing a whole case over to another organisation.
//!
//! A case manager of the case's organisation proposes the transfer of an open case, with a reason,
//! if the returnee consented to sharing with the receiver. While the proposal waits, the receiver's
//! case managers see only its allow-list of fields (each view audited); they accept or decline, and
//! the sender may cancel. On acceptance the case moves at once: the receiver's organisation, a number
//! from the receiver's counter, no assignee nor team, a new version. Its referrals and plan stay with it.

use cnrm_domain::consent::{consent_allows, ConsentPurpose};
use cnrm_domain::lifecycle::case::CaseStatus;
use cnrm_domain::lifecycle::Reason;
use cnrm_domain::transfer::{self as lifecycle, handles_transfers, Side, TransferEvent, TransferStatus};
use cnrm_domain::validation::clean_text;
use cnrm_domain::FieldErrors;
use cnrm_store::{new_id_and_time, CaseFile, StoreError, Transfer, TransferDirection};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::referrals::disclosed;
use crate::{cases, Actor, App, AppError};

/// How many transfers each list of `/transfers` holds.
pub const LIST_LIMIT: i64 = 200;

/// A transfer as the sender proposes it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TransferInput {
    pub to_organisation_id: String,
    /// Why the case should move (required).
    pub reason: String,
    /// Fields the receiver sees while deciding, beyond those always shared (names, sex, phones);
    /// empty: those plus the place of settlement.
    pub shared_fields: Vec<String>,
}

/// Whether the actor is one of the case managers of `organisation_id`.
pub fn handles_for(actor: &Actor, organisation_id: Uuid) -> bool {
    handles_transfers(actor.user.role) && actor.user.organisation_id == organisation_id
}

/// Whether the actor may receive transfers at all (the `/transfers` page, the work queue block).
pub fn may_handle(actor: &Actor) -> bool {
    handles_transfers(actor.user.role)
}

fn consents_of(file: &CaseFile) -> Vec<cnrm_domain::consent::ConsentRecord> {
    file.consents.iter().map(|c| c.record).collect()
}

/// Proposes the transfer of a case the actor may change, as a case manager of its organisation.
pub async fn propose(app: &App, actor: &Actor, case_id: Uuid, input: &TransferInput) -> Result<Transfer, AppError> {
    let file = cases::changeable(app, actor, case_id).await?;
    if !handles_for(actor, file.case.organisation_id) {
        return Err(AppError::Forbidden);
    }
    let mut errors = FieldErrors::new();
    let to = errors.check(
        "to_organisation_id",
        Uuid::parse_str(input.to_organisation_id.trim()).map_err(|_| "error-choose-organisation"),
    );
    let reason = errors.check("reason", Reason::parse(&input.reason));
    let fields = errors.check("shared_fields", lifecycle::parse_fields(&input.shared_fields));
    let (to, reason, fields) =
        errors.finish(|| (to.unwrap(), reason.unwrap(), fields.unwrap())).map_err(AppError::Invalid)?;
    let receiver = app.db.organisation(to).await?.filter(|o| o.active);
    if receiver.is_none() || to == file.case.organisation_id {
        return Err(AppError::invalid("to_organisation_id", "error-choose-organisation"));
    }
    if file.case.status != CaseStatus::Open {
        return Err(AppError::Refused("error-transfer-case-closed"));
    }
    consent_allows(&consents_of(&file), ConsentPurpose::ReferralSharing, Some(to))
        .map_err(|block| AppError::Refused(block.message_key()))?;
    if app.db.transfers_of_case(case_id).await?.iter().any(|t| t.status == TransferStatus::Proposed) {
        return Err(AppError::Refused("error-transfer-pending"));
    }
    let (id, now) = new_id_and_time();
    let transfer = Transfer {
        id,
        case_id,
        from_organisation_id: file.case.organisation_id,
        to_organisation_id: to,
        case_number: file.case.case_number.clone(),
        new_case_number: None,
        reason: reason.as_str().to_string(),
        shared_fields: fields,
        status: TransferStatus::Proposed,
        decision_reason: None,
        proposed_by: Some(actor.user.id),
        decided_by: None,
        decided_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let details = json!({
        "transfer_id": id,
        "to": to,
        "reason": transfer.reason,
        "shared_fields": transfer.shared_fields.iter().map(|f| f.code()).collect::<Vec<_>>(),
    });
    let event = actor.event("transfer.propose", "case", Some(case_id.to_string()), details);
    app.db.insert_transfer(&transfer, &event).await.map_err(|e| match e {
        // Someone proposed one in between: the unique index keeps one pending per case.
        StoreError::Conflict(_) => AppError::Refused("error-transfer-pending"),
        other => other.into(),
    })?;
    Ok(transfer)
}

/// The transfers of a case, for those who may see the case.
pub async fn of_case(app: &App, actor: &Actor, case_id: Uuid) -> Result<Vec<Transfer>, AppError> {
    cases::visible(app, actor, case_id).await?;
    Ok(app.db.transfers_of_case(case_id).await?)
}

/// The transfers of the actor's organisation (no personal data).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TransferLists {
    /// Proposed to the organisation: pending first, then newest first.
    pub incoming: Vec<Transfer>,
    /// Proposed by the organisation: pending first, then newest first.
    pub outgoing: Vec<Transfer>,
}

pub async fn lists(app: &App, actor: &Actor) -> Result<TransferLists, AppError> {
    if !may_handle(actor) {
        return Err(AppError::Forbidden);
    }
    let org = actor.user.organisation_id;
    Ok(TransferLists {
        incoming: app.db.transfers_of_organisation(org, TransferDirection::Incoming, false, LIST_LIMIT).await?,
        outgoing: app.db.transfers_of_organisation(org, TransferDirection::Outgoing, false, LIST_LIMIT).await?,
    })
}

/// Transfers waiting for the actor's organisation's answer (the work queue).
pub async fn waiting(app: &App, actor: &Actor, limit: i64) -> Result<Vec<Transfer>, AppError> {
    if !may_handle(actor) {
        return Ok(Vec::new());
    }
    Ok(app.db.transfers_of_organisation(actor.user.organisation_id, TransferDirection::Incoming, true, limit).await?)
}

/// A transfer as one of its two organisations sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TransferView {
    pub transfer: Transfer,
    /// Which side the caller is on.
    pub side: Side,
    /// For the receiver: false once the returnee withdrew consent to share with it (nothing shown then).
    pub consent_holds: bool,
    /// Only the fields of the allow-list, by field code: for the receiver, while the proposal waits.
    #[schema(value_type = Object)]
    pub person: Map<String, Value>,
}

/// The side the actor is on, if they handle transfers for one of its organisations.
fn side_of(actor: &Actor, transfer: &Transfer) -> Option<Side> {
    if handles_for(actor, transfer.to_organisation_id) {
        Some(Side::Receiver)
    } else if handles_for(actor, transfer.from_organisation_id) {
        Some(Side::Sender)
    } else {
        None
    }
}

/// A transfer, for the case managers of either organisation; the receiver's view of the person is
/// limited to the allow-list and audited.
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<TransferView, AppError> {
    let transfer = app.db.transfer(id).await?.ok_or(AppError::NotFound)?;
    let side = side_of(actor, &transfer).ok_or(AppError::NotFound)?;
    let (consent_holds, person) = if side == Side::Receiver && transfer.status == TransferStatus::Proposed {
        let file = app.db.case_file(transfer.case_id).await?.ok_or(AppError::NotFound)?;
        let holds =
            consent_allows(&consents_of(&file), ConsentPurpose::ReferralSharing, Some(transfer.to_organisation_id))
                .is_ok();
        let person = if holds { disclosed(&file, &transfer.shared_fields) } else { Map::new() };
        let details = json!({ "transfer_id": id, "fields": person.keys().collect::<Vec<_>>() });
        app.db
            .append_audit(&actor.event("transfer.disclosure", "case", Some(transfer.case_id.to_string()), details))
            .await?;
        (holds, person)
    } else {
        (true, Map::new())
    };
    Ok(TransferView { transfer, side, consent_holds, person })
}

/// What one side does with a transfer.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TransferAction {
    /// `accept`, `decline` (receiver); `cancel` (sender).
    pub action: String,
    /// Required to decline; optional to cancel.
    pub reason: String,
    /// The version read; when given, a transfer saved since is refused as stale.
    pub version: Option<i64>,
}

/// Accepts, declines or cancels a transfer; the side comes from the actor's organisation.
pub async fn act(app: &App, actor: &Actor, id: Uuid, input: &TransferAction) -> Result<Transfer, AppError> {
    let transfer = app.db.transfer(id).await?.ok_or(AppError::NotFound)?;
    let Some(side) = side_of(actor, &transfer) else {
        // Staff of the sender who may see the case know of the transfer, but do not decide it.
        if actor.user.organisation_id == transfer.from_organisation_id
            && cases::visible(app, actor, transfer.case_id).await.is_ok()
        {
            return Err(AppError::Forbidden);
        }
        return Err(AppError::NotFound);
    };
    let event = match input.action.trim() {
        "accept" => TransferEvent::Accept,
        "decline" => TransferEvent::Decline(Reason::parse(&input.reason).map_err(|m| AppError::invalid("reason", m))?),
        "cancel" => TransferEvent::Cancel,
        _ => return Err(AppError::invalid("action", "error-choose-from-list")),
    };
    let note = clean_text(&input.reason, 0, 1000).map_err(|m| AppError::invalid("reason", m))?;
    let status = lifecycle::transition(transfer.status, side, &event).map_err(AppError::Refused)?;
    if side == Side::Sender {
        // The sender still changes the case (it is theirs while the transfer waits).
        cases::changeable(app, actor, transfer.case_id).await?;
    }
    let version = input.version.unwrap_or(transfer.version);
    let (_, now) = new_id_and_time();
    let after = Transfer {
        status,
        decision_reason: Some(note).filter(|n| !n.is_empty()),
        decided_by: Some(actor.user.id),
        decided_at: Some(now),
        version,
        updated_at: now,
        ..transfer.clone()
    };
    let mut details = json!({
        "transfer_id": id,
        "from": transfer.from_organisation_id,
        "to": transfer.to_organisation_id,
        "status": { "before": transfer.status.code(), "after": status.code() },
        "reason": after.decision_reason,
    });
    let action = format!("transfer.{}", event.code());
    if event != TransferEvent::Accept {
        let audit = actor.event(&action, "case", Some(transfer.case_id.to_string()), details);
        app.db.update_transfer(&after, &audit).await?;
        return Ok(Transfer { version: after.version + 1, ..after });
    }
    let file = app.db.case_file(transfer.case_id).await?.ok_or(AppError::NotFound)?;
    if file.case.status != CaseStatus::Open {
        return Err(AppError::Refused("error-transfer-case-closed"));
    }
    if file.case.organisation_id != transfer.from_organisation_id {
        return Err(AppError::Refused("error-transfer-closed"));
    }
    consent_allows(&consents_of(&file), ConsentPurpose::ReferralSharing, Some(transfer.to_organisation_id))
        .map_err(|block| AppError::Refused(block.message_key()))?;
    let receiver = app.db.organisation(transfer.to_organisation_id).await?.ok_or(AppError::NotFound)?;
    if let Some(map) = details.as_object_mut() {
        map.insert("former_case_number".into(), transfer.case_number.clone().into());
    }
    let audit = actor.event(&action, "case", Some(transfer.case_id.to_string()), details);
    let year = OffsetDateTime::now_utc().year();
    let number = app.db.accept_transfer(&after, &receiver.acronym, year, &audit).await?;
    Ok(Transfer { new_case_number: Some(number), version: after.version + 1, ..after })
}
