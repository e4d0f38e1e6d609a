//! Reading and verifying the audit trail.

use cnrm_domain::audit::{AuditEntry, ChainBreak, ChainVerifier};
use cnrm_domain::paging::{Page, PageRequest};
use cnrm_domain::Permission;
use cnrm_store::{AuditFilter, Database};
use serde_json::json;

use crate::{Actor, App, AppError};

/// A page of the trail. Organisation administrators see only their organisation's actors.
pub async fn list(
    app: &App,
    actor: &Actor,
    filter: AuditFilter,
    page: &PageRequest,
) -> Result<Page<AuditEntry>, AppError> {
    let only = actor.principal().organisation_filter(Permission::AuditRead).map_err(|_| AppError::Forbidden)?;
    let filter = AuditFilter { organisation_id: only.or(filter.organisation_id), ..filter };
    let page = app.db.audit_entries(&filter, page).await?;
    let details = json!({ "action": filter.action_prefix, "actor": filter.actor, "entity_id": filter.entity_id, "page": page.page });
    app.db.append_audit(&actor.event("audit.view", "audit_log", None, details)).await?;
    Ok(page)
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("the audit trail is broken: {0}")]
    Broken(#[from] ChainBreak),
    #[error(transparent)]
    Store(#[from] cnrm_store::StoreError),
}

/// Checks the whole chain in batches; `progress(done, total)` is called after each batch.
/// Returns the number of entries verified.
pub async fn verify(db: &dyn Database, mut progress: impl FnMut(i64, i64)) -> Result<i64, VerifyError> {
    const BATCH: i64 = 5_000;
    let head = db.audit_head().await?;
    let mut verifier = ChainVerifier::default();
    let mut after = 0;
    loop {
        let batch = db.audit_chain(after, BATCH).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for entry in &batch {
            verifier.push(entry)?;
        }
        progress(after, head);
    }
    Ok(verifier.finish(head)?)
}
