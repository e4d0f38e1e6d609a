//! When login attempts are refused: too many recent failures for one account or from one address.
//!
//! The policy is pure; storage only counts failures in the window.

use time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures for one account within the window that lock it.
    pub max_failures_per_account: i64,
    /// Failures from one address within the window that block it (higher: offices share addresses).
    pub max_failures_per_ip: i64,
    /// How far back failures count, which is also how long a lock lasts after the last failure.
    pub window: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self { max_failures_per_account: 5, max_failures_per_ip: 30, window: Duration::minutes(15) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleVerdict {
    Allowed,
    AccountLocked,
    AddressBlocked,
}

impl ThrottlePolicy {
    pub fn judge(&self, account_failures: i64, ip_failures: i64) -> ThrottleVerdict {
        if account_failures >= self.max_failures_per_account {
            ThrottleVerdict::AccountLocked
        } else if ip_failures >= self.max_failures_per_ip {
            ThrottleVerdict::AddressBlocked
        } else {
            ThrottleVerdict::Allowed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_at_the_threshold() {
        let p = ThrottlePolicy::default();
        assert_eq!(p.judge(4, 0), ThrottleVerdict::Allowed);
        assert_eq!(p.judge(5, 0), ThrottleVerdict::AccountLocked);
        assert_eq!(p.judge(0, 30), ThrottleVerdict::AddressBlocked);
    }
}
