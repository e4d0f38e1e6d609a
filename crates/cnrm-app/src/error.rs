//! The one error type of the services; the web layer maps each variant to a status and a message.

use cnrm_domain::FieldErrors;
use cnrm_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No valid session or token.
    #[error("authentication required")]
    Unauthenticated,
    /// Authenticated, but the role's grants do not reach this action or record.
    #[error("permission denied")]
    Forbidden,
    /// The record does not exist, or its existence is itself not to be revealed to this actor.
    #[error("not found")]
    NotFound,
    /// The submitted data is invalid; nothing was changed.
    #[error("invalid input")]
    Invalid(FieldErrors),
    /// Wrong username or password (deliberately the same for both).
    #[error("wrong username or password")]
    BadCredentials,
    /// Too many failures for this account; retry after the window.
    #[error("account temporarily locked")]
    AccountLocked { minutes: i64 },
    /// Too many failures from this address.
    #[error("address temporarily blocked")]
    AddressBlocked { minutes: i64 },
    #[error("account disabled")]
    AccountDisabled,
    /// Someone else saved the record after it was read; nothing was written.
    #[error("the record was changed by someone else")]
    Stale,
    /// The action is not possible now; the key says why (a consent withdrawn, a forbidden transition).
    #[error("action refused: {0}")]
    Refused(&'static str),
    #[error(transparent)]
    Store(StoreError),
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(c) if c == "stale" => AppError::Stale,
            other => AppError::Store(other),
        }
    }
}

impl AppError {
    /// A one-field validation error.
    pub fn invalid(field: &'static str, message: &'static str) -> AppError {
        let mut errors = FieldErrors::new();
        errors.add(field, message);
        AppError::Invalid(errors)
    }

    /// A stable machine-readable code, used in API problem documents.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Invalid(_) => "invalid_input",
            AppError::BadCredentials => "bad_credentials",
            AppError::AccountLocked { .. } => "account_locked",
            AppError::AddressBlocked { .. } => "address_blocked",
            AppError::AccountDisabled => "account_disabled",
            AppError::Stale => "stale",
            AppError::Refused(_) => "refused",
            AppError::Store(StoreError::Conflict(_)) => "conflict",
            AppError::Store(_) | AppError::Internal(_) => "internal",
        }
    }
}
