// Attachments: files attached to a case, compiled once per backend like `queries.rs` (which
// delegates to these). Metadata and content live in two tables, so that lists never read content;
// removing a file deletes its content and keeps the metadata row, marked removed.

use cnrm_domain::attachment::{AttachmentKind, FileType};

#[derive(FromRow)]
struct AttachmentRow {
    id: Uuid,
    case_id: Uuid,
    kind: String,
    description: String,
    file_name: String,
    file_type: String,
    size_bytes: i64,
    sha256: String,
    uploaded_by: Option<Uuid>,
    created_at: OffsetDateTime,
    removed_at: Option<OffsetDateTime>,
    removed_by: Option<Uuid>,
    removal_reason: Option<String>,
}

const ATTACHMENT_COLUMNS: &str = "id, case_id, kind, description, file_name, file_type, size_bytes, sha256, \
     uploaded_by, created_at, removed_at, removed_by, removal_reason";

impl TryFrom<AttachmentRow> for Attachment {
    type Error = StoreError;
    fn try_from(r: AttachmentRow) -> StoreResult<Attachment> {
        Ok(Attachment {
            id: r.id,
            case_id: r.case_id,
            kind: AttachmentKind::parse(&r.kind).ok_or_else(|| corrupt("attachment kind", &r.kind))?,
            file_type: FileType::parse(&r.file_type).ok_or_else(|| corrupt("attachment type", &r.file_type))?,
            description: r.description,
            file_name: r.file_name,
            size_bytes: r.size_bytes,
            sha256: r.sha256,
            uploaded_by: r.uploaded_by,
            created_at: r.created_at,
            removed_at: r.removed_at,
            removed_by: r.removed_by,
            removal_reason: r.removal_reason,
        })
    }
}

impl Store {
    async fn insert_attachment_impl(&self, a: &Attachment, content: &[u8], audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(&format!(
            "INSERT INTO attachments ({ATTACHMENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        ))
        .bind(a.id)
        .bind(a.case_id)
        .bind(a.kind.code())
        .bind(&a.description)
        .bind(&a.file_name)
        .bind(a.file_type.code())
        .bind(a.size_bytes)
        .bind(&a.sha256)
        .bind(a.uploaded_by)
        .bind(a.created_at)
        .bind(a.removed_at)
        .bind(a.removed_by)
        .bind(&a.removal_reason)
        .execute(&mut *tx)
        .await
        .map_err(|e| match store_error(e) {
            // SQLite names the columns rather than the index: either way it is the checksum rule.
            StoreError::Conflict(_) => StoreError::Conflict("attachments_case_checksum".into()),
            other => other,
        })?;
        sqlx::query("INSERT INTO attachment_contents (attachment_id, content) VALUES ($1, $2)")
            .bind(a.id)
            .bind(content)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn attachments_of_case_impl(&self, case_id: Uuid) -> StoreResult<Vec<Attachment>> {
        let rows: Vec<AttachmentRow> =
            sqlx::query_as(&format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE case_id = $1 ORDER BY id"))
                .bind(case_id)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
        rows.into_iter().map(Attachment::try_from).collect()
    }

    async fn attachment_impl(&self, id: Uuid) -> StoreResult<Option<Attachment>> {
        let row: Option<AttachmentRow> =
            sqlx::query_as(&format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
        row.map(Attachment::try_from).transpose()
    }

    async fn attachment_content_impl(&self, id: Uuid) -> StoreResult<Option<Vec<u8>>> {
        sqlx::query_scalar("SELECT content FROM attachment_contents WHERE attachment_id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)
    }

    async fn remove_attachment_impl(
        &self,
        id: Uuid,
        removed_by: Uuid,
        at: OffsetDateTime,
        reason: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let updated = sqlx::query(
            "UPDATE attachments SET removed_at = $2, removed_by = $3, removal_reason = $4 \
             WHERE id = $1 AND removed_at IS NULL",
        )
        .bind(id)
        .bind(at)
        .bind(removed_by)
        .bind(reason)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        if updated.rows_affected() == 0 {
            let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachments WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .map_err(store_error)?;
            return Err(if exists > 0 {
                StoreError::Conflict("attachment_removed".into())
            } else {
                StoreError::NotFound
            });
        }
        sqlx::query("DELETE FROM attachment_contents WHERE attachment_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }
}
